"""Schedule rules people write (“every monday 09:00”, “last friday of the quarter 14:00”,
“every 2 weeks on tuesday 10:00”, cron), shown back in words, with their occurrences in
wall-clock time, correct across DST, and public holidays applied.

Pure: no database, no Slack. ``rule.py`` documents how DST gaps and repeats are handled.
"""

from bot.services.schedule_rules.errors import EXAMPLES, RuleError
from bot.services.schedule_rules.holiday_policy import (
    POLICIES,
    adjust_for_holidays,
    check_policy,
    holiday_calendar,
    occurrences_with_holidays,
)
from bot.services.schedule_rules.parse import DEFAULT_ANCHOR, parse_rule
from bot.services.schedule_rules.rule import (
    KINDS,
    Planned,
    ScheduleRule,
    occurrence_key,
    wall_clock,
)

__all__ = [
    "DEFAULT_ANCHOR",
    "EXAMPLES",
    "KINDS",
    "POLICIES",
    "Planned",
    "RuleError",
    "ScheduleRule",
    "adjust_for_holidays",
    "check_policy",
    "holiday_calendar",
    "occurrence_key",
    "occurrences_with_holidays",
    "parse_rule",
    "wall_clock",
]
