"""Status marks and words, themes, and the lead-ins a line may start with.

Teams mark status with emoji (✅ 🔄 ⚠️ ⛔ 📋), with words in bold, HTML or brackets
("**Delivered**", "<mark>In Progress</mark>"), or with a checkbox; they open lines with
"**January**:" (a due date), "**Phase 19:**" (a prefix), "KR1:" (a key result) or
"**Total:**" (a summary, not a goal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .periods import MONTH, month_number

# Emoji that say a status; unknown emoji stay in the title.
STATUS_EMOJI: dict[str, str] = {
    "\u2705": "done",  # ✅
    "\u2714": "done",  # ✔
    "\u2611": "done",  # ☑
    "\U0001f504": "on-track",  # 🔄
    "\U0001f6a7": "on-track",  # 🚧
    "\U0001f7e2": "on-track",  # 🟢
    "\u26a0": "at-risk",  # ⚠
    "\U0001f7e1": "at-risk",  # 🟡
    "\U0001f534": "off-track",  # 🔴
    "\u26d4": "blocked",  # ⛔
    "\U0001f6ab": "blocked",  # 🚫
    "\U0001f4cb": "not-started",  # 📋
}
_VARIATION = "\ufe0f"
EMOJI_CLASS = "[" + "".join(STATUS_EMOJI) + "]" + _VARIATION + "?"

STATUS_WORDS: dict[str, str] = {
    "not-started": "not-started",
    "notstarted": "not-started",
    "todo": "not-started",
    "to-do": "not-started",
    "planned": "not-started",
    "upcoming": "not-started",
    "backlog": "not-started",
    "on-track": "on-track",
    "ontrack": "on-track",
    "in-progress": "on-track",
    "inprogress": "on-track",
    "wip": "on-track",
    "ongoing": "on-track",
    "underway": "on-track",
    "at-risk": "at-risk",
    "atrisk": "at-risk",
    "risk": "at-risk",
    "off-track": "off-track",
    "offtrack": "off-track",
    "behind": "off-track",
    "delayed": "off-track",
    # Trackers' workflow states (Jira): work under review is under way; resolved is done.
    "in-review": "on-track",
    "under-review": "on-track",
    "in-qa": "on-track",
    "in-testing": "on-track",
    "resolved": "done",
    "closed": "done",
    "blocked": "blocked",
    "stuck": "blocked",
    "on-hold": "blocked",
    "done": "done",
    "complete": "done",
    "completed": "done",
    "finished": "done",
    "delivered": "done",
    "shipped": "done",
    "released": "done",
    "launched": "done",
}


def normalize_status(text: str) -> str | None:
    """ "At risk", "at_risk", "AT-RISK", "✅", "✅ Delivered" -> a status; None otherwise."""
    stripped = text.replace(_VARIATION, "").strip(" :.!-*_`")
    emoji = [STATUS_EMOJI[c] for c in stripped if c in STATUS_EMOJI]
    words = "".join(c for c in stripped if c not in STATUS_EMOJI).strip(" :.!-*_`")
    status = STATUS_WORDS.get(re.sub(r"[\s_]+", "-", words.casefold())) if words else None
    if emoji and (status is None or status == emoji[0]) and len(set(emoji)) == 1:
        return emoji[0]
    return status if not emoji else None


_HTML_TAG = re.compile(r"<[^<>]{0,300}>")
_EDGE = " \t:;,.|-\u2013\u2014()[]{}"


def split_theme(rest: str) -> tuple[str | None, str | None]:
    """What follows a period on its heading -> (theme, status).

    ": Production Hardening" -> ("Production Hardening", None); "In Progress" -> (None,
    "on-track"); ": Stage 1-2 ✅" -> ("Stage 1-2", "done"); "(High Priority - Wave 1)" ->
    ("High Priority - Wave 1", None).
    """
    text = " ".join(_HTML_TAG.sub(" ", rest).replace(_VARIATION, "").split())
    status: str | None = None
    for char in text:
        if char in STATUS_EMOJI:
            status = status or STATUS_EMOJI[char]
    text = "".join(c for c in text if c not in STATUS_EMOJI)
    text = _strip_edges(text)
    whole = normalize_status(text) if text else None
    if whole is not None:
        return None, status or whole
    # "Production Hardening - In Progress", "Scale (Done)": a trailing status word.
    trailing = re.search(
        r"(?:\s[-\u2013\u2014|]\s*|\(|\[|:\s*)([A-Za-z][A-Za-z \-]{1,20})\W*$", text
    )
    if trailing and normalize_status(trailing[1]) is not None:
        status = status or normalize_status(trailing[1])
        text = _strip_edges(text[: trailing.start()])
    return (text[:255] or None), status


def _strip_edges(text: str) -> str:
    text = text.strip(_EDGE)
    # Unbalanced brackets left by the strip ("High Priority - Wave 1)" was "(...)").
    return text.strip(_EDGE)


# -- lead-ins -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadIn:
    """What a line's opening said: a month (due date), a summary, a key result, nothing."""

    kind: str  # "month" | "summary" | "key-result"
    rest: str  # the raw text after the lead-in
    month: int | None = None
    year: int | None = None


_BOLD_OPEN = r"(?:\*\*|__)"
_SUMMARY_WORDS = r"(?:totals?|summary|overall|in\s+total|sum)"
_COLON = r"(?<!\\):"
_MONTH_LEAD = re.compile(
    rf"(?:{_BOLD_OPEN}\s*{MONTH}(?:\s+(?P<y1>(?:19|20|21)[0-9]{{2}}))?\s*{_COLON}?\s*{_BOLD_OPEN}"
    rf"\s*(?:{_COLON}|(?<!\\)[\u2013\u2014-])?|{MONTH}(?:\s+(?P<y2>(?:19|20|21)[0-9]{{2}}))?\s*"
    rf"(?:{_COLON}|\s(?<!\\)[\u2013\u2014-]))\s+",
    re.IGNORECASE,
)
_SUMMARY_LEAD = re.compile(
    rf"(?:{_BOLD_OPEN}\s*{_SUMMARY_WORDS}\s*{_COLON}?\s*{_BOLD_OPEN}|{_SUMMARY_WORDS}\s*{_COLON})",
    re.IGNORECASE,
)
_KEY_RESULT_LEAD = re.compile(
    rf"{_BOLD_OPEN}?\s*(?:KR|key\s+result)\s*[0-9]{{0,3}}(?:\.[0-9]{{1,3}})?\s*"
    rf"(?:{_COLON}|(?<!\\)[.)\u2013\u2014-])?\s*{_BOLD_OPEN}?\s*{_COLON}?\s+",
    re.IGNORECASE,
)
OBJECTIVE = re.compile(
    r"(?:objective|goal)\s*[0-9]{0,3}\s*[:.)\u2013\u2014-]\s*(?P<name>.+)|"
    r"O[0-9]{1,3}\s*[:.)\u2013\u2014-]\s*(?P<short>.+)",
    re.IGNORECASE,
)


def lead_in(raw: str) -> LeadIn | None:
    """The lead-in at the start of a line's raw Markdown, if it is one the reader acts on."""
    match = _SUMMARY_LEAD.match(raw)
    if match:
        return LeadIn("summary", raw[match.end() :].strip())
    match = _MONTH_LEAD.match(raw)
    if match:
        word = next(g for g in (match.group(1), match.group(3)) if g)
        year = match.group("y1") or match.group("y2")
        rest = raw[match.end() :].strip()
        if rest:
            return LeadIn("month", rest, month_number(word), int(year) if year else None)
    match = _KEY_RESULT_LEAD.match(raw)
    if match and raw[match.end() :].strip():
        return LeadIn("key-result", raw[match.end() :].strip())
    return None


def objective_name(text: str) -> str | None:
    """ "Objective 1: Make deploys boring" -> "Make deploys boring"; None for other text.

    A status mark on the objective ("… ✅", "… — Done") is the objective's own, not part of
    its name (nor its key results' status).
    """
    match = OBJECTIVE.fullmatch(text.strip())
    if match is None:
        return None
    name = (match["name"] or match["short"]).strip(" *_")
    theme, status = split_theme(name)
    return (theme if status is not None else name) or None
