"""Moved to bot.kinds.checkin_prompt; kept so callers outside the scheduling stream still
import."""

from bot.kinds.checkin_prompt import PromptRun, send_chases, send_prompts

__all__ = ["PromptRun", "send_chases", "send_prompts"]
