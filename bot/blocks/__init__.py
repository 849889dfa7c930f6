"""Pure Block Kit builders: plain data in, slack_sdk.models blocks (limits checked) out."""
