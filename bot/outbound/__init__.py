"""Moved to bot.kinds (one module per schedule kind, and bot.kinds.posting). These modules
only re-export for callers outside the scheduling stream; delete them once those import
bot.kinds."""
