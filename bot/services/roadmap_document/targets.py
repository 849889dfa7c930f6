"""Numbers inside goal titles (GoalTarget) and goal -> metric links."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .metrics import COMPARATOR, NUMBER, STOP_WORDS, UNIT, comparator_for, normalize_unit
from .metrics import stem as _stem
from .metrics import to_number as _to_number
from .metrics import words as _words
from .model import GoalTarget, ParsedMetric

_DECREASE = re.compile(
    r"\b(?:reduce|reducing|decrease|cut|lower|shrink|minimi[sz]e|drop|slash|trim)\b", re.IGNORECASE
)
_INCREASE = re.compile(
    r"\b(?:increase|grow|boost|raise|expand|double|triple|maximi[sz]e|onboard|hire|add|recruit|"
    r"improve)\b",
    re.IGNORECASE,
)
# "Increase coverage to 85%" is an absolute level, "Increase coverage 10%" a change.
_LEVEL_BEFORE = re.compile(r"\b(?:to|at|of|from)\s*$|\(\s*$", re.IGNORECASE)
_NOT_IN_NUMBER_BEFORE = r"(?<![\w.,\-/:])"
_RELATIVE = re.compile(
    rf"\bby\s+(?:~\s*)?(?P<num>{NUMBER})\s*(?P<unit>%|percent\b|x\b)", re.IGNORECASE
)
_ABSOLUTE = re.compile(
    rf"(?:{COMPARATOR}\s*)?{_NOT_IN_NUMBER_BEFORE}(?P<num>{NUMBER})\s*{UNIT}", re.IGNORECASE
)
_COUNT = re.compile(
    rf"(?:{COMPARATOR}\s*)?{_NOT_IN_NUMBER_BEFORE}(?P<num>[0-9]{{1,9}})(?![\w.,:/\-%])"
    r"(?P<phrase>(?:\s+[^\W\d_][\w'\-]*){1,5})",
    re.IGNORECASE,
)
_YEAR_LIKE = re.compile(r"(?:19|20|21)[0-9]{2}")


def _title_tokens(title: str) -> set[str]:
    return {_stem(word) for word in _words(title)}


def best_metric(title: str, metrics: Iterable[ParsedMetric]) -> ParsedMetric | None:
    """The metric whose aliases the title mentions most; first in the document wins ties."""
    tokens = _title_tokens(title)
    best: ParsedMetric | None = None
    best_score = 0
    for metric in metrics:
        score = len({_stem(alias) for alias in metric.aliases} & tokens)
        if score > best_score:
            best, best_score = metric, score
    return best


def _direction(title: str, metric: ParsedMetric | None) -> str:
    """ "<=" when the goal pushes a number down, ">=" when it pushes it up."""
    if _DECREASE.search(title):
        return "<="
    if _INCREASE.search(title) and not re.search(r"\bimprove\b", title, re.IGNORECASE):
        return ">="
    if metric is not None and metric.comparator in ("<", "<="):
        return "<="
    return ">="


def _count_unit(number: str, phrase: str) -> str | None:
    """The noun a count refers to: "2 new senior engineers in Q2" -> "engineers".

    A count needs a plural noun ("Phase 2 rollout" is not a count) except for "1 engineer".
    """
    kept: list[str] = []
    for word in phrase.split():
        word = word.casefold().strip("'-")
        if word in STOP_WORDS or not word:
            break
        kept.append(word)
    plural = [w for w in kept if len(w) > 2 and w.endswith("s") and not w.endswith("ss")]
    if plural:
        return plural[0]
    return kept[-1] if kept and int(number) == 1 else None


def goal_target(title: str, metrics: list[ParsedMetric]) -> GoalTarget | None:
    """The number a goal commits to, linked to the metric it moves when one matches."""
    metric = best_metric(title, metrics)
    key = metric.key if metric is not None else None
    relative = _RELATIVE.search(title)
    if relative:
        unit = "x" if relative["unit"].casefold() == "x" else "%"
        comparator = _direction(title, metric)
        return GoalTarget(_to_number(relative["num"]), comparator, unit, "relative", key)
    for match in _ABSOLUTE.finditer(title):
        comparator = comparator_for(match["cmp"]) or _direction(title, metric)
        unit = normalize_unit(match["unit"], match["scale"])
        kind = "absolute"
        is_change = _DECREASE.search(title) or _INCREASE.search(title)
        if unit == "%" and not match["cmp"] and is_change:
            kind = "absolute" if _LEVEL_BEFORE.search(title[: match.start()]) else "relative"
        return GoalTarget(_to_number(match["num"]), comparator, unit, kind, key)
    for match in _COUNT.finditer(title):
        if _YEAR_LIKE.fullmatch(match["num"]):
            continue
        unit = _count_unit(match["num"], match["phrase"])
        if unit is None:
            continue
        comparator = comparator_for(match["cmp"]) or _direction(title, metric)
        return GoalTarget(float(match["num"]), comparator, unit, "count", key)
    return None
