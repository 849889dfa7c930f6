"""Values inside commands: goal references, statuses, progress, periods, dates, people."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from dateutil import parser as dateutil_parser

from handlers.grammar.errors import CommandError, closest, shown
from handlers.grammar.tokens import Token

GOAL_REF = re.compile(r"G0*(?P<number>[0-9]{1,9})", re.IGNORECASE)
STATUSES: tuple[str, ...] = ("not-started", "on-track", "at-risk", "off-track", "blocked", "done")

# Status words with case, spaces, hyphens and underscores removed → the status.
_STATUS_WORDS = {
    "notstarted": "not-started",
    "todo": "not-started",
    "ontrack": "on-track",
    "green": "on-track",
    "atrisk": "at-risk",
    "yellow": "at-risk",
    "amber": "at-risk",
    "offtrack": "off-track",
    "red": "off-track",
    "blocked": "blocked",
    "done": "done",
    "complete": "done",
    "completed": "done",
    "finished": "done",
}
_STATUS_SEPARATORS = re.compile(r"[\s_\-]+")

_YEAR = r"(?:19|20|21)[0-9]{2}"
_SPAN = r"q[1-4](?:[-–—]q[1-4])?|h[12]"
_PERIOD_TOKEN = re.compile(
    rf"(?:(?P<year_before>{_YEAR})[-/]?)?(?P<span>{_SPAN})"
    rf"(?:[-/]?(?P<year_after>{_YEAR})|'(?P<short_year>[0-9]{{2}}))?",
    re.IGNORECASE,
)
_YEAR_TOKEN = re.compile(_YEAR)
_RELATIVE_PERIODS = {
    ("this", "quarter"): "this quarter",
    ("current", "quarter"): "this quarter",
    ("next", "quarter"): "next quarter",
    ("last", "quarter"): "last quarter",
    ("previous", "quarter"): "last quarter",
    ("prev", "quarter"): "last quarter",
}
_RELATIVE_WORDS = {"current": "this quarter", "now": "this quarter"}

_HANDLE = re.compile(r"@\w[\w.\-']*", re.UNICODE)
_EMAIL = re.compile(r"[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_CHANNEL_NAME = re.compile(r"#[\w\-.]+", re.UNICODE)
_ME = {"me": "mine", "mine": "mine", "myself": "mine"}

_WHOLE_PERCENT = re.compile(r"(?P<sign>[-+−]?)(?P<number>[0-9]+)(?P<decimals>[.,][0-9]+)?\s*%?")
_FRACTION = re.compile(r"(?P<part>[0-9]{1,12})\s*/\s*(?P<whole>[0-9]{1,12})")
PROGRESS_SHAPE = re.compile(r"[-+−]?[0-9]+(?:[.,][0-9]+)?%|[0-9]+/[0-9]+")
_PROGRESS_HINT = "use a whole percentage like 60%, or a fraction like 3/5"

_MONTHS = (
    "january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug"
    "|september|sept|sep|october|oct|november|nov|december|dec"
)
_WEEKDAYS = "monday|mon|tuesday|tue|tues|wednesday|wed|thursday|thu|thurs|friday|fri"
_WEEKDAYS += "|saturday|sat|sunday|sun"
_DATE_WORD = re.compile(
    rf"(?:[0-9]{{1,4}}(?:st|nd|rd|th)?|[0-9]{{1,4}}[-/.][0-9]{{1,2}}[-/.][0-9]{{1,4}}"
    rf"|(?:{_MONTHS}|{_WEEKDAYS})\.?),?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(?P<year>[0-9]{4})[-/.](?P<month>[0-9]{1,2})[-/.](?P<day>[0-9]{1,2})")
_DATE_HINT = "use a date like 2025-06-30 or 30 Jun 2025"
_MAX_DATE_WORDS = 4
_MAX_DATE_LENGTH = 60
FIRST_YEAR, LAST_YEAR = 2000, 2199


# -- goal references ---------------------------------------------------------------------------


def as_ref(token: Token | None) -> str | None:
    """ "G12" for a token like `g12` or `G012,`; None for anything else."""
    if token is None or token.kind != "word":
        return None
    match = GOAL_REF.fullmatch(token.text.rstrip(":,."))
    return f"G{int(match['number'])}" if match else None


def require_ref(token: Token | None) -> str:
    """The goal reference in `token`, or a CommandError saying what is wrong."""
    if token is None:
        raise CommandError("Which goal? Give its reference, e.g. G12.")
    ref = as_ref(token)
    if ref:
        return ref
    number = re.fullmatch(r"#?([0-9]{1,9})", token.text.strip())
    suggestion = f"Did you mean `G{int(number[1])}`?" if number else None
    if suggestion is None and token.kind == "word" and token.text.isalpha():
        suggestion = f"To find a goal's reference, try `/roadmap show {shown(token.text)}`."
    raise CommandError(
        f"`{shown(token.text)}` is not a goal reference; references look like G12.",
        suggestion=suggestion,
    )


# -- statuses ----------------------------------------------------------------------------------


def _status_key(text: str) -> str:
    return _STATUS_SEPARATORS.sub("", text.casefold())


def match_status(tokens: Sequence[Token], index: int) -> tuple[str, int] | None:
    """The status starting at tokens[index] (one word, or two like "at risk") and how many
    tokens it spans."""
    token = tokens[index] if index < len(tokens) else None
    if token is None or token.kind not in ("word", "quoted"):
        return None
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if token.kind == "word" and following is not None and following.kind == "word":
        status = _STATUS_WORDS.get(_status_key(token.text + following.text))
        if status:
            return status, 2
    status = _STATUS_WORDS.get(_status_key(token.text))
    return (status, 1) if status else None


def bad_status(token: Token | None) -> CommandError:
    """The error for a missing or unknown status, suggesting the closest one."""
    valid = ", ".join(STATUSES)
    if token is None:
        return CommandError(f"Which status? Use one of: {valid}.")
    near = closest(_status_key(token.text), _STATUS_WORDS)
    return CommandError(
        f"`{shown(token.text)}` is not a status. Use one of: {valid}.",
        suggestion=f"Did you mean `{_STATUS_WORDS[near]}`?" if near else None,
    )


# -- progress ----------------------------------------------------------------------------------


def parse_percent(text: str) -> int:
    """60%, 60 or 3/5 (rounded half up) → a whole percentage from 0 to 100."""
    text = text.strip()
    fraction = _FRACTION.fullmatch(text)
    if fraction:
        part, whole = int(fraction["part"]), int(fraction["whole"])
        if whole == 0:
            raise CommandError(f"`{shown(text)}` divides by zero; {_PROGRESS_HINT}.")
        percent = (200 * part + whole) // (2 * whole)
    else:
        match = _WHOLE_PERCENT.fullmatch(text)
        if not match or match["decimals"]:
            raise CommandError(f"`{shown(text)}` is not a progress value; {_PROGRESS_HINT}.")
        digits = match["number"].lstrip("0") or "0"
        percent = int(digits) if len(digits) <= 4 else 10_000
        if match["sign"] in ("-", "−") and percent:
            percent = -percent
    if not 0 <= percent <= 100:
        raise CommandError(f"`{shown(text)}` is out of range: progress goes from 0% to 100%.")
    return percent


# -- periods -----------------------------------------------------------------------------------


def _span(text: str) -> str:
    span = text.upper().replace("–", "-").replace("—", "-")
    if "-" in span:
        first, last = span.split("-")
        if last < first:
            raise CommandError(f"`{shown(text)}` runs backwards; write the earlier quarter first.")
        if last == first:
            return first
    return span


def match_period(tokens: Sequence[Token], index: int) -> tuple[str, int] | None:
    """The period phrase starting at tokens[index], normalized ("Q2 2025", "Q3-Q4 2025",
    "H1", "this quarter"…), and how many tokens it spans."""
    token = tokens[index]
    if token.kind != "word":
        return None
    key = token.key or ""
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    next_key = following.key if following else None
    if (key, next_key) in _RELATIVE_PERIODS:
        return _RELATIVE_PERIODS[key, next_key], 2
    if key in _RELATIVE_WORDS:
        return _RELATIVE_WORDS[key], 1
    match = _PERIOD_TOKEN.fullmatch(token.text)
    if match:
        span = _span(match["span"])
        year = match["year_before"] or match["year_after"]
        if match["short_year"]:
            year = f"20{match['short_year']}"
        if year:
            return f"{span} {year}", 1
        if following and following.kind == "word" and _YEAR_TOKEN.fullmatch(following.text):
            return f"{span} {following.text}", 2
        return span, 1
    if _YEAR_TOKEN.fullmatch(token.text) and following and following.kind == "word":
        after = _PERIOD_TOKEN.fullmatch(following.text)
        if after and not (after["year_before"] or after["year_after"] or after["short_year"]):
            return f"{_span(after['span'])} {token.text}", 2
    return None


# -- dates -------------------------------------------------------------------------------------


def _bad_date(text: str) -> CommandError:
    return CommandError(f"`{shown(text)}` is not a date I understand; {_DATE_HINT}.")


def _in_range(day: date, text: str) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _bad_date(text)
    return day


def _next_occurrence(month: int, day: int, today: date, text: str) -> date:
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _bad_date(text)


def parse_date(text: str, *, today: date | None = None) -> date:
    """An ISO date, or what dateutil reads month-first (`30 Jun 2025`, `June 30`). Without a
    year, the next such day from `today`."""
    text = text.strip().rstrip(",")
    if len(text) > _MAX_DATE_LENGTH:
        raise _bad_date(text)
    iso = _ISO_DATE.fullmatch(text)
    try:
        if iso:
            return _in_range(date(int(iso["year"]), int(iso["month"]), int(iso["day"])), text)
        # Two different defaults tell which parts the text itself gave.
        first = dateutil_parser.parse(text, default=datetime(1904, 1, 1), dayfirst=False)
        second = dateutil_parser.parse(text, default=datetime(1908, 2, 2), dayfirst=False)
    except CommandError:
        raise
    except Exception as error:  # dateutil raises ValueError, OverflowError and others
        raise _bad_date(text) from error
    if (first.month, first.day) != (second.month, second.day):
        raise CommandError(f"`{shown(text)}` is not a whole date; {_DATE_HINT}.")
    if first.year != second.year:
        return _next_occurrence(first.month, first.day, today or date.today(), text)
    return _in_range(first.date(), text)


def date_phrase(tokens: Sequence[Token], index: int) -> tuple[date, int]:
    """The date written in tokens[index:] (up to four date-like words) and how many tokens it
    spans; a CommandError naming it when it is not a date."""
    if index >= len(tokens):
        raise CommandError(f"Which date? {_DATE_HINT[0].upper()}{_DATE_HINT[1:]}.")
    run: list[Token] = []
    for token in tokens[index : index + _MAX_DATE_WORDS]:
        if token.kind not in ("word", "quoted") or not _DATE_WORD.fullmatch(token.text):
            break
        run.append(token)
    if len(run) == 1 or (not run and tokens[index].kind == "quoted"):
        return parse_date(tokens[index].text), 1
    for count in range(len(run), 0, -1):
        try:
            return parse_date(" ".join(t.text for t in run[:count])), count
        except CommandError:
            continue
    raise _bad_date(" ".join(t.text for t in run) or tokens[index].text)


# -- people and channels -----------------------------------------------------------------------


def as_person(token: Token, *, allow_me: bool = False) -> str | None:
    """A user id for a mention, "@alice" for a typed handle, an e-mail address as typed,
    "mine" for me/mine; else None. Names are resolved to people by the flow."""
    if token.kind == "user":
        return token.text
    if token.kind != "word":
        return None
    text = token.text.rstrip(",;")
    if _HANDLE.fullmatch(text) or _EMAIL.fullmatch(text):
        return text
    if allow_me and (token.key or "").rstrip(",;") in _ME:
        return "mine"
    return None


_PEOPLE_FILLER = frozenset({"to", "and", "&", ",", "+"})
_NAME_WORD = re.compile(r"[^\W\d_][\w.'’\-]*(?: [^\W\d_][\w.'’\-]*)*", re.UNICODE)


def people_of(
    tokens: Sequence[Token],
    *,
    allow_me: bool = True,
    filler: frozenset[str] = frozenset(),
    not_a_person: str = "mention them, e.g. @alice",
) -> tuple[str, ...]:
    """The people named by `tokens`, as typed: mentions (user ids), @handles, e-mail
    addresses, "mine" for me, and names ("Bob Baker", several separated by commas or "and");
    the flow resolves them against the workspace's members. Filler words are skipped."""
    people: list[str] = []
    words: list[str] = []

    def end_name() -> None:
        if words:
            people.append(" ".join(words))
            words.clear()

    for token in tokens:
        person = as_person(token, allow_me=allow_me)
        if person:
            end_name()
            people.append(person)
        elif token.key in _PEOPLE_FILLER or token.key in filler:
            end_name()
        elif token.kind in ("word", "quoted") and _NAME_WORD.fullmatch(
            " ".join(token.text.rstrip(",;").split())
        ):
            words.append(token.text.rstrip(",;"))
            if token.text.endswith((",", ";")) or token.kind == "quoted":
                end_name()
        else:
            raise CommandError(f"`{shown(token.text)}` is not a person; {not_a_person}.")
    end_name()
    return unique(people)


def as_channel(token: Token) -> str | None:
    """A channel id for a mention, "#eng" for a typed channel name; else None."""
    if token.kind == "channel":
        return token.text
    if token.kind == "word" and _CHANNEL_NAME.fullmatch(token.text.rstrip(",;")):
        return token.text.rstrip(",;")
    return None


def unique(values: Sequence[str]) -> tuple[str, ...]:
    """The values in their first order, each once."""
    return tuple(dict.fromkeys(values))
