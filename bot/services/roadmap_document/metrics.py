"""Success metrics: typing a value such as "99.9% → 99.99%" or "<200ms average", keys, aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,12})(?:\.[0-9]{1,9})?"

# Longest spellings first so that "at least" wins over "at", "<=" over "<".
_COMPARATOR_WORDS: dict[str, tuple[str, ...]] = {
    "<=": (
        "<=",
        "=<",
        "\u2264",
        "at most",
        "no more than",
        "not more than",
        "up to",
        "maximum",
        "max",
    ),
    ">=": (">=", "\u2265", "at least", "no less than", "not less than", "minimum", "min"),
    "<": ("<", "under", "below", "less than", "fewer than", "lower than"),
    ">": (">", "over", "above", "more than", "greater than", "higher than"),
    "=": ("==", "=", "~", "exactly", "about", "around", "approximately"),
}
_COMPARATOR_BY_WORD = {
    word: comparator for comparator, words in _COMPARATOR_WORDS.items() for word in words
}


def _word_alternation(words: list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w) + (r"\b" if w[-1].isalpha() else "") for w in ordered)


COMPARATOR = rf"(?P<cmp>{_word_alternation(list(_COMPARATOR_BY_WORD))})"

# (pattern, normalised unit); longer spellings first.
_UNITS: tuple[tuple[str, str], ...] = (
    (r"%", "%"),
    (r"percent\b", "%"),
    (r"milliseconds?\b", "ms"),
    (r"msecs?\b", "ms"),
    (r"ms\b", "ms"),
    (r"seconds?\b", "seconds"),
    (r"secs?\b", "seconds"),
    (r"s\b", "seconds"),
    (r"minutes?\b", "minutes"),
    (r"mins?\b", "minutes"),
    (r"m\b", "minutes"),
    (r"hours?\b", "hours"),
    (r"hrs?\b", "hours"),
    (r"h\b", "hours"),
    (r"days?\b", "days"),
    (r"d\b", "days"),
    (r"weeks?\b", "weeks"),
    (r"wks?\b", "weeks"),
    (r"x\b", "x"),
)
_UNIT_ALTERNATION = "|".join(p for p, _ in _UNITS)


def _unit_pattern(prefix: str = "") -> str:
    """A unit ("%", "ms", "/5", "out of 5") captured as ``<prefix>unit`` / ``<prefix>scale``."""
    scale = rf"(?:/\s*|out\s+of\s+)(?P<{prefix}scale>{NUMBER})"
    return rf"(?P<{prefix}unit>{scale}|{_UNIT_ALTERNATION})"


_UNIT_NAMES = [(re.compile(p, re.IGNORECASE), name) for p, name in _UNITS]
UNIT = _unit_pattern()

_ARROW = r"\s*(?:\u2192|->|=>|\u27f6|\u2794|\u21d2)\s*|\s+to\s+"
_QUALIFIER = r"(?P<qual>[^0-9<>=\u2264\u2265\u2192]*)"
_RANGE_VALUE = re.compile(
    rf"(?P<base>{NUMBER})\s*{_unit_pattern('b')}?(?:{_ARROW})(?:{COMPARATOR}\s*)?"
    rf"(?P<num>{NUMBER})\s*{UNIT}?\s*{_QUALIFIER}",
    re.IGNORECASE,
)
_COMPARED_VALUE = re.compile(
    rf"{COMPARATOR}\s*(?P<num>{NUMBER})\s*{UNIT}?\s*{_QUALIFIER}", re.IGNORECASE
)
_BARE_VALUE = re.compile(rf"(?P<num>{NUMBER})\s*{UNIT}?\s*{_QUALIFIER}", re.IGNORECASE)
_CADENCES = {
    "daily": "daily",
    "weekly": "weekly",
    "biweekly": "biweekly",
    "bi-weekly": "biweekly",
    "fortnightly": "biweekly",
    "monthly": "monthly",
    "quarterly": "quarterly",
    "yearly": "yearly",
    "annually": "yearly",
    "annual": "yearly",
}
_CADENCE_VALUE = re.compile(
    rf"(?:once\s+)?(?P<cad>{'|'.join(sorted(_CADENCES, key=len, reverse=True))})\b\s*(?P<qual>.*)",
    re.IGNORECASE,
)


@dataclass
class MetricValue:
    """The typed reading of a metric's value text."""

    baseline: float | None = None
    target: float | None = None
    comparator: str | None = None
    unit: str | None = None
    cadence: str | None = None
    qualifier: str | None = None
    typed: bool = False


def to_number(text: str) -> float:
    """ "1,000.5" -> 1000.5."""
    return float(text.replace(",", ""))


def normalize_unit(unit: str | None, scale: str | None = None) -> str | None:
    """ "hour" -> "hours", "sec" -> "seconds", "/ 5" -> "/5", "percent" -> "%"."""
    if scale is not None:
        number = to_number(scale)
        return f"/{int(number)}" if number.is_integer() else f"/{number:g}"
    if unit is None:
        return None
    for pattern, name in _UNIT_NAMES:
        if pattern.fullmatch(unit.strip()):
            return name
    return unit.strip().casefold()


def comparator_for(word: str | None) -> str | None:
    """Comparator symbol for "at least", "under", "≤" ...; None for None."""
    if word is None:
        return None
    return _COMPARATOR_BY_WORD.get(" ".join(word.casefold().split()))


def _qualifier(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split()).strip(" ,;:-")
    return cleaned or None


def type_metric_value(text: str) -> MetricValue:
    """Read a metric's value text; ``typed`` is False when nothing could be understood."""
    value = " ".join(text.split())
    match = _CADENCE_VALUE.fullmatch(value)
    if match:
        cadence = _CADENCES[match["cad"].casefold()]
        return MetricValue(cadence=cadence, qualifier=_qualifier(match["qual"]), typed=True)
    match = _RANGE_VALUE.fullmatch(value)
    if match:
        baseline, target = to_number(match["base"]), to_number(match["num"])
        unit = normalize_unit(match["unit"], match["scale"]) or normalize_unit(
            match["bunit"], match["bscale"]
        )
        comparator = comparator_for(match["cmp"]) or (">=" if target >= baseline else "<=")
        return MetricValue(
            baseline, target, comparator, unit, None, _qualifier(match["qual"]), True
        )
    match = _COMPARED_VALUE.fullmatch(value)
    if match:
        return MetricValue(
            None,
            to_number(match["num"]),
            comparator_for(match["cmp"]),
            normalize_unit(match["unit"], match["scale"]),
            None,
            _qualifier(match["qual"]),
            True,
        )
    match = _BARE_VALUE.fullmatch(value)
    if match:
        unit = normalize_unit(match["unit"], match["scale"])
        # A share or a score without a comparator is a floor ("50% of projects").
        comparator = ">=" if unit is not None and (unit == "%" or unit.startswith("/")) else "="
        return MetricValue(
            None, to_number(match["num"]), comparator, unit, None, _qualifier(match["qual"]), True
        )
    return MetricValue()


# Words of a metric name that say nothing about which metric it is.
_GENERIC_WORDS = frozenset(
    {
        "system", "time", "code", "frequency", "mean", "employee", "sessions", "session", "rate",
        "average", "avg", "number", "score", "level", "total", "count", "percentage", "percent",
        "team", "cross", "development", "projects", "project", "metric", "metrics", "ratio",
        "per", "overall",
    }
)  # fmt: skip
STOP_WORDS = frozenset(
    {
        "a", "an", "the", "of", "to", "for", "in", "on", "at", "by", "with", "and", "or", "from",
        "into", "per", "vs", "our", "your", "their", "its",
    }
)  # fmt: skip
# Words people use for the same thing.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "response": ("latency",),
    "latency": ("response",),
    "recovery": ("mttr",),
    "mttr": ("recovery",),
    "deployment": ("deploys", "deploy", "deployments", "releases"),
    "deployments": ("deploys", "deploy", "deployment", "releases"),
    "uptime": ("availability",),
    "availability": ("uptime",),
    "satisfaction": ("happiness", "morale"),
    "incidents": ("incident", "outages"),
}
_KEY_PREFIXES = frozenset({"system", "overall", "total", "average", "avg"})


def words(text: str) -> list[str]:
    """Lower-case word tokens ("API response-time" -> ["api", "response", "time"])."""
    return re.findall(r"[^\W_]+", text.casefold())


def stem(word: str) -> str:
    """Crude singular: "deploys" -> "deploy", "sessions" -> "session"."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def metric_key(name: str) -> str:
    """Stable slug: "System uptime" -> "uptime", "API response time" -> "api-response-time"."""
    tokens = words(name)
    while len(tokens) > 1 and tokens[0] in _KEY_PREFIXES:
        tokens = tokens[1:]
    return "-".join(tokens) or "metric"


def metric_aliases(name: str) -> list[str]:
    """Words a user may type for a metric: distinctive name words plus common synonyms."""
    tokens = words(name)
    distinctive = [t for t in tokens if t not in _GENERIC_WORDS and t not in STOP_WORDS]
    if not distinctive:
        distinctive = [t for t in tokens if t not in STOP_WORDS] or tokens
    aliases: list[str] = []
    for token in distinctive:
        for alias in (token, *_SYNONYMS.get(token, ())):
            if alias not in aliases:
                aliases.append(alias)
    return aliases
