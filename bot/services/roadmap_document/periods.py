"""The small grammar of period labels: "Q1 2025", "Q3-Q4 2025", "H1 2026", "2026 Q2", "2026"."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

# Words that may surround a period in a heading ("Q1 2025 Goals", "Roadmap for H2 2026").
_FILLER_WORDS = re.compile(
    r"\b(?:goals?|objectives?|okrs?|roadmap|targets?|milestones?|priorities|plans?|"
    r"deliverables|initiatives|focus|for|the|of|in)\b"
)
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_EDGE_PUNCTUATION = " \t:;,.!?*_#()[]{}-"

_YEAR = r"(?:fy\s?)?((?:19|20|21)[0-9]{2})"
_RANGE = r"\s*(?:-|/|&|to|through|thru|and)\s*"
_PART = {"quarter": r"q([1-4])", "half": r"h([12])"}


def _compile(part: str) -> list[re.Pattern[str]]:
    return [
        # Q1 2025, Q3-Q4 2025, Q3, Q1, 2025
        re.compile(rf"{part}(?:{_RANGE}{part})?(?:\s*[,\s-]\s*{_YEAR})?"),
        # 2026 Q2, 2026-Q2, 2026 Q3-Q4
        re.compile(rf"{_YEAR}\s*[,\s-]?\s*{part}(?:{_RANGE}{part})?"),
        # Q3 2025 - Q4 2025
        re.compile(rf"{part}\s*[,\s-]?\s*{_YEAR}{_RANGE}{part}\s*[,\s-]?\s*{_YEAR}"),
    ]


_PATTERNS = {kind: _compile(part) for kind, part in _PART.items()}
_WHOLE_YEAR = re.compile(_YEAR)
_PREFIX = {"quarter": "Q", "half": "H"}

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
MONTH_ABBREVIATIONS = tuple(name[:3].title() for name in MONTHS)
_MONTH_WORDS = (
    {name: n for n, name in enumerate(MONTHS, 1)}
    | {name[:3]: n for n, name in enumerate(MONTHS, 1)}
    | {"sept": 9}
)
MONTH = "(" + "|".join(sorted(_MONTH_WORDS, key=len, reverse=True)) + r")\.?"
_MONTH_PATTERNS = [
    # January-March 2026, Jan - Mar, March 2026, March
    re.compile(rf"{MONTH}(?:{_RANGE}{MONTH})?(?:\s*[,\s-]\s*{_YEAR})?"),
    # January 2026 - March 2026
    re.compile(rf"{MONTH}\s*[,\s-]?\s*{_YEAR}{_RANGE}{MONTH}\s*[,\s-]?\s*{_YEAR}"),
]


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def month_number(word: str) -> int | None:
    """ "January", "jan", "Sept." -> 1, 1, 9; None for anything else."""
    return _MONTH_WORDS.get(word.casefold().rstrip("."))


@dataclass(frozen=True)
class PeriodSpec:
    """A period as written; ``year`` is None for a bare "Q3", ``problem`` set when invalid."""

    kind: str  # "quarter" | "half" | "months" | "year"
    first: int
    last: int
    year: int | None
    problem: str | None = None

    def resolve(self, year: int) -> tuple[str, date, date]:
        """Canonical label and inclusive dates, using ``year`` when the spec has none."""
        year = self.year if self.year is not None else year
        if self.kind == "year":
            return str(year), date(year, 1, 1), date(year, 12, 31)
        if self.kind == "months":
            end = date(year, self.last, calendar.monthrange(year, self.last)[1])
            parts = MONTH_ABBREVIATIONS[self.first - 1]
            if self.last != self.first:
                parts += f"-{MONTH_ABBREVIATIONS[self.last - 1]}"
            return f"{parts} {year}", date(year, self.first, 1), end
        months_per_part = 3 if self.kind == "quarter" else 6
        start = date(year, (self.first - 1) * months_per_part + 1, 1)
        end_month = self.last * months_per_part
        end = date(year, end_month, calendar.monthrange(year, end_month)[1])
        prefix = _PREFIX[self.kind]
        parts = f"{prefix}{self.first}"
        if self.last != self.first:
            parts += f"-{prefix}{self.last}"
        return f"{parts} {year}", start, end


def _core(text: str) -> str:
    """The heading text with filler words, dashes and edge punctuation normalised away."""
    core = _DASHES.sub("-", text.casefold())
    core = _FILLER_WORDS.sub(" ", core)
    core = " ".join(core.split())
    return core.strip(_EDGE_PUNCTUATION)


def _spec_from_match(kind: str, groups: tuple[str | None, ...], year_first: bool) -> PeriodSpec:
    values = [g for g in groups]
    if year_first:
        year_text, first_text, last_text = values[0], values[1], values[2]
        years = [year_text]
    elif len(values) == 4:  # Q3 2025 - Q4 2025
        first_text, year_text, last_text, second_year = values
        years = [year_text, second_year]
    else:
        first_text, last_text, year_text = values
        years = [year_text]
    first = int(first_text or 0)
    last = int(last_text) if last_text else first
    known_years = {int(y) for y in years if y}
    year = min(known_years) if known_years else None
    problem = None
    if len(known_years) > 1:
        problem = "a period must not span two years"
    elif last < first:
        problem = "the period ends before it starts"
    return PeriodSpec(kind, first, last, year, problem)


def _months_spec(groups: tuple[str | None, ...]) -> PeriodSpec:
    if len(groups) == 4:  # January 2026 - March 2026
        first_text, year_text, last_text, second_year = groups
        years = {int(y) for y in (year_text, second_year) if y}
    else:
        first_text, last_text, year_text = groups
        years = {int(year_text)} if year_text else set()
    first = month_number(first_text or "") or 1
    last = month_number(last_text) if last_text else first
    problem = None
    if len(years) > 1:
        problem = "a period must not span two years"
    elif last is None or last < first:
        problem = "the period ends before it starts"
    return PeriodSpec("months", first, last or first, min(years) if years else None, problem)


def match_period(text: str, months: bool = False) -> PeriodSpec | None:
    """Recognise a period in a heading's text, or None when the heading is something else.

    ``months``: also month ranges ("January-March 2026", "March"), which headings may use.
    """
    core = _core(text)
    if not core or len(core) > 40:
        return None
    for kind, patterns in _PATTERNS.items():
        for index, pattern in enumerate(patterns):
            match = pattern.fullmatch(core)
            if match:
                return _spec_from_match(kind, match.groups(), year_first=index == 1)
    if months:
        for pattern in _MONTH_PATTERNS:
            match = pattern.fullmatch(core)
            if match:
                return _months_spec(match.groups())
    match = _WHOLE_YEAR.fullmatch(core)
    if match:
        return PeriodSpec("year", 1, 1, int(match.group(1)))
    return None


def parse_period_label(
    label: str, default_year: int | None, months: bool = False
) -> tuple[str, date, date] | None:
    """("Q1 2025", 2025-01-01, 2025-03-31) for a label; None when it is not a (valid) period.

    ``months``: also month labels ("Jan-Mar 2026"), as imports and restores store them.
    """
    spec = match_period(label, months=months)
    if spec is None or spec.problem is not None:
        return None
    year = spec.year if spec.year is not None else default_year
    if year is None or not 1 <= year <= 9999:
        return None
    return spec.resolve(year)


# -- a period heading with a theme: "Q1 2026: Production Hardening", "Q2 2026 ✅" --------------

_FILLER_PREFIX = re.compile(
    r"(?:(?:roadmap|goals?|objectives?|okrs?|plans?|focus|priorities|for|the|of|in)\b[\s:]*)+",
    re.IGNORECASE,
)


def _heading_patterns() -> list[tuple[str, int, re.Pattern[str]]]:
    patterns: list[tuple[str, int, re.Pattern[str]]] = []
    for kind, compiled in _PATTERNS.items():
        for index, pattern in enumerate(compiled):
            patterns.append((kind, index, re.compile(pattern.pattern, re.IGNORECASE)))
    for index, pattern in enumerate(_MONTH_PATTERNS):
        patterns.append(("months", index, re.compile(pattern.pattern, re.IGNORECASE)))
    return patterns


_HEADING_PATTERNS = _heading_patterns()
_YEAR_AT = re.compile(_YEAR + r"(?![0-9])", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]{0,300}>")
_END_SEPARATOR = re.compile(r"[:(|,\[]\s*\(?\s*$|\s-\s*$")


def _spec(kind: str, index: int, groups: tuple[str | None, ...]) -> PeriodSpec:
    if kind == "months":
        return _months_spec(groups)
    return _spec_from_match(kind, groups, year_first=index == 1)


def _longest_at(text: str, position: int) -> tuple[PeriodSpec, int] | None:
    best: tuple[PeriodSpec, int] | None = None
    for kind, index, pattern in _HEADING_PATTERNS:
        match = pattern.match(text, position)
        if match is None or match.end() == position:
            continue
        if match.end() < len(text) and text[match.end()].isalnum():
            continue
        if best is None or match.end() > best[1]:
            best = (_spec(kind, index, match.groups()), match.end())
    return best


@dataclass(frozen=True)
class HeadingPeriod:
    """A period named by a heading, with the rest of the heading's text."""

    spec: PeriodSpec
    rest: str  # what followed (or preceded) the period: a theme, a status, emoji
    at_end: bool = False  # the period closed the line ("Platform OKRs (H1 2026)")


def heading_period(text: str) -> HeadingPeriod | None:
    """A period at the start of a heading (after emoji and filler words), or at its end after a
    separator; anything else on the line is returned as ``rest``. None: not a period heading."""
    original = " ".join(_HTML_TAG.sub(" ", text).split())
    if len(original) > 300:
        return None
    text = _DASHES.sub("-", original)  # one character for one: offsets stay valid
    strict = match_period(text, months=True)
    if strict is not None:
        return HeadingPeriod(strict, "")
    position = 0
    while position < len(text) and not text[position].isalnum():
        position += 1
    filler = _FILLER_PREFIX.match(text, position)
    if filler:
        position = filler.end()
    found = _longest_at(text, position)
    if found is not None:
        spec, end = found
        return HeadingPeriod(spec, original[end:].strip())
    year = _YEAR_AT.match(text, position)
    if year is not None:
        rest = original[year.end() :].lstrip()
        if not rest or not rest[0].isalnum() or _FILLER_PREFIX.match(rest):
            return HeadingPeriod(PeriodSpec("year", 1, 1, int(year[1])), rest)
    # "Platform OKRs (H1 2026)", "Stage 2 - Q3 2026": a quarter, half or months at the end.
    for start in range(len(text) - 1, 0, -1):
        if not text[start].isalnum() or text[start - 1].isalnum():
            continue
        found = _longest_at(text, start)
        if found is None or text[found[1] :].strip(" )].!") != "":
            continue
        before = text[:start]
        if _END_SEPARATOR.search(before) and found[0].kind != "year":
            return HeadingPeriod(found[0], original[:start].strip(), at_end=True)
        return None
    return None


def period_anywhere(text: str) -> HeadingPeriod | None:
    """The first quarter, half or month range anywhere in a line ("Infrastructure OKRs H1
    2026"): how a document without period headings names its one period."""
    original = " ".join(_HTML_TAG.sub(" ", text).split())[:300]
    normalized = _DASHES.sub("-", original)
    for start, char in enumerate(normalized):
        if not char.isalnum() or (start and normalized[start - 1].isalnum()):
            continue
        found = _longest_at(normalized, start)
        if found is not None and found[0].problem is None and found[0].year is not None:
            return HeadingPeriod(found[0], original[:start].strip(), at_end=True)
    return None
