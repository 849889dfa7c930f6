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


@dataclass(frozen=True)
class PeriodSpec:
    """A period as written; ``year`` is None for a bare "Q3", ``problem`` set when invalid."""

    kind: str  # "quarter" | "half" | "year"
    first: int
    last: int
    year: int | None
    problem: str | None = None

    def resolve(self, year: int) -> tuple[str, date, date]:
        """Canonical label and inclusive dates, using ``year`` when the spec has none."""
        year = self.year if self.year is not None else year
        if self.kind == "year":
            return str(year), date(year, 1, 1), date(year, 12, 31)
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


def match_period(text: str) -> PeriodSpec | None:
    """Recognise a period in a heading's text, or None when the heading is something else."""
    core = _core(text)
    if not core or len(core) > 40:
        return None
    for kind, patterns in _PATTERNS.items():
        for index, pattern in enumerate(patterns):
            match = pattern.fullmatch(core)
            if match:
                return _spec_from_match(kind, match.groups(), year_first=index == 1)
    match = _WHOLE_YEAR.fullmatch(core)
    if match:
        return PeriodSpec("year", 1, 1, int(match.group(1)))
    return None


def parse_period_label(label: str, default_year: int | None) -> tuple[str, date, date] | None:
    """("Q1 2025", 2025-01-01, 2025-03-31) for a label; None when it is not a (valid) period."""
    spec = match_period(label)
    if spec is None or spec.problem is not None:
        return None
    year = spec.year if spec.year is not None else default_year
    if year is None or not 1 <= year <= 9999:
        return None
    return spec.resolve(year)
