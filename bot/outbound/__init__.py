"""What the bot posts on its own initiative (prompts, reminders, digests), the same for the
clock, the CLI and a slash command."""
