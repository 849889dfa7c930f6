"""Rituals a roadmap asks for (knowledge sharing, retrospectives), and when they happen.

A rituals section says it outright ("Retrospective every 2 weeks on Tuesday at 14:00"): the
words that say when are read with the schedule rules' own grammar (the one `/roadmap schedule`
takes), so a document and a command mean the same thing. Goals and metrics only hint at a
cadence ("Conduct monthly knowledge sharing sessions"); those get the ritual's usual session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.services.schedule_rules import RuleError, ScheduleRule, parse_rule

from .model import ParsedRoadmap, ProposedSchedule

_RITUAL_KINDS = (
    (
        "knowledge_sharing",
        re.compile(
            r"knowledge[\s-]+shar(?:ing|e)|tech(?:nical)?\s+talks?|lunch[\s-]*(?:and|&|n)[\s-]*"
            r"learns?|brown[\s-]?bags?",
            re.IGNORECASE,
        ),
    ),
    ("retrospective", re.compile(r"\bretro(?:spective)?s?\b", re.IGNORECASE)),
)
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
_RITUAL_CADENCES = (
    ("monthly", re.compile(r"\bmonthly\b|\b(?:every|each|once\s+a|per)\s+month\b", re.IGNORECASE)),
    (
        "quarterly",
        re.compile(r"\bquarterly\b|\b(?:every|each|once\s+a|per)\s+quarter\b", re.IGNORECASE),
    ),
    # Only a rituals section may ask for these two (a goal "Hold weekly retros" is a goal).
    (
        "biweekly",
        re.compile(
            rf"\bbi-?weekly\b|\bfortnightly\b|\b(?:every|each)\s+(?:fortnight|(?:2|two|other|"
            rf"second)\s+weeks?|(?:other|second)\s+{_DAY})\b",
            re.IGNORECASE,
        ),
    ),
    (
        "weekly",
        re.compile(rf"\bweekly\b|\b(?:every|each|once\s+a|per)\s+(?:week|{_DAY})\b", re.I),
    ),
)
_HINTED_CADENCES = ("monthly", "quarterly")

# The session a ritual gets when the document gives only its cadence.
USUAL_RULES: dict[tuple[str, str], str] = {
    ("knowledge_sharing", "monthly"): "first thursday of the month 15:00",
    ("knowledge_sharing", "biweekly"): "every 2 weeks on thursday 15:00",
    ("knowledge_sharing", "weekly"): "every thursday 15:00",
    ("retrospective", "quarterly"): "last friday of the quarter 14:00",
    ("retrospective", "monthly"): "last friday of the month 14:00",
    ("retrospective", "biweekly"): "every 2 weeks on friday 14:00",
    ("retrospective", "weekly"): "every friday 14:00",
}
_USUAL_TIME = {"knowledge_sharing": "15:00", "retrospective": "14:00"}
_MAX_RULE_WORDS = 10  # "every 2 weeks on tuesday and thursday at 3pm" is nine
# Words a rule can open with; only runs of words starting with one are tried as a rule.
_RULE_START = re.compile(
    rf"(?:every|each|on|the|bi-?weekly|fortnightly|first|second|third|fourth|fifth|last|"
    rf"[1-5](?:st|nd|rd|th)|{_DAY})",
    re.IGNORECASE,
)


def _kind(text: str) -> str | None:
    return next((kind for kind, pattern in _RITUAL_KINDS if pattern.search(text)), None)


def _cadence(text: str, allowed: Iterable[str]) -> str | None:
    return next(
        (name for name, pattern in _RITUAL_CADENCES if name in allowed and pattern.search(text)),
        None,
    )


def ritual_from_text(text: str, cadence: str | None, line: int) -> ProposedSchedule | None:
    """A ritual a goal or a metric hints at: monthly or quarterly, at its usual session."""
    kind = _kind(text)
    if kind is None:
        return None
    cadence = cadence or _cadence(text, _HINTED_CADENCES)
    if cadence not in _HINTED_CADENCES:
        return None
    return ProposedSchedule(kind, cadence, text, line, USUAL_RULES.get((kind, cadence)))


def _cadence_of(rule: ScheduleRule) -> str | None:
    if rule.kind == "interval_weeks":
        return "biweekly" if rule.every_weeks == 2 else f"every {rule.every_weeks} weeks"
    return {
        "weekly": "weekly",
        "monthly_nth": "monthly",
        "monthly_day": "monthly",
        "quarterly_nth": "quarterly",
    }.get(rule.kind)


def _rule_in(text: str, usual_time: str) -> ScheduleRule | None:
    """The longest run of the line's words that is a schedule rule ("every 2 weeks on
    Tuesday", "every other friday at 14:00"), with the ritual's usual time when it names none."""
    words = re.sub(r"[()\[\]{};\u2013\u2014]|:(?!\d)|(?<=\s)-(?=\s)", " ", text).split()
    starts = [n for n, word in enumerate(words) if _RULE_START.fullmatch(word.strip(",."))]
    for length in range(min(len(words), _MAX_RULE_WORDS), 0, -1):
        for start in starts:
            if start + length > len(words):
                continue
            candidate = " ".join(words[start : start + length]).strip(" ,.")
            for written in (candidate, f"{candidate} {usual_time}"):
                try:
                    rule = parse_rule(written)
                except RuleError:
                    continue
                if rule.kind != "cron" and _cadence_of(rule) is not None:
                    return rule
    return None


def stated_ritual(text: str, line: int) -> ProposedSchedule | None:
    """A ritual a rituals section states: its kind, and when — the rule its words say, else
    its cadence's usual session. None when it is not a ritual the bot runs."""
    kind = _kind(text)
    if kind is None:
        return None
    said = _cadence(text, [name for name, _ in _RITUAL_CADENCES])
    rule = _rule_in(text, _USUAL_TIME[kind])
    if rule is not None and (said is None or said == _cadence_of(rule)):
        return ProposedSchedule(kind, _cadence_of(rule) or "", text, line, rule.text, True)
    if said is None or (kind, said) not in USUAL_RULES:
        return None
    return ProposedSchedule(kind, said, text, line, USUAL_RULES[(kind, said)])


def proposed_rituals(
    roadmap: ParsedRoadmap, stated: Iterable[ProposedSchedule] = ()
) -> list[ProposedSchedule]:
    """Recurring sessions a rituals section states, or the goals and metrics ask for, one per
    (kind, cadence)."""
    found: list[ProposedSchedule] = []
    candidates: list[ProposedSchedule | None] = list(stated)
    candidates += [ritual_from_text(goal.title, None, goal.line) for _, _, goal in roadmap.goals()]
    for metric in roadmap.metrics:
        text = f"{metric.name}: {metric.text}"
        candidates.append(ritual_from_text(text, metric.cadence, metric.line))
    seen: set[tuple[str, str]] = set()
    for ritual in candidates:
        if ritual is not None and (ritual.kind, ritual.cadence) not in seen:
            seen.add((ritual.kind, ritual.cadence))
            found.append(ritual)
    return found
