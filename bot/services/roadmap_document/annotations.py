"""The annotations a goal line carries: owners, a status, a due date, progress, as a group
("(@alice, due 2026-03-15, 40%)") or one by one; dates as teams write them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil import parser as date_parser

from .marks import STATUS_EMOJI, normalize_status
from .text import plain_inline

SLACK_ID = r"[A-Z][A-Z0-9]{1,39}"
_OWNER_TOKEN = re.compile(rf"<@({SLACK_ID})(?:\|[^<>]{{0,80}})?>|@(\w[\w.\-]{{0,79}})")
_EMAIL = re.compile(r"[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63})+")
# A person's name as documents write owners: "Kenji Sato", "María José García-Ruiz".
_NAME = re.compile(r"[^\W\d_][\w'’\-]*(?:\s+[^\W\d_][\w'’\-]*){0,3}")
_DONE_ON = re.compile(r"(?:done|shipped|delivered|completed?)\s+(?:on\s+)?\S.*", re.IGNORECASE)
_OWNER_SEPARATOR = re.compile(r"\s*(?:[&+/]|\band\b)?\s*")
_OWNER_LABEL = re.compile(
    r"(?:owners?|owned by|assignees?|assigned to|lead|dri|by)\s*:?\s*", re.IGNORECASE
)
_STATUS_LABEL = re.compile(r"status\s*:?\s*", re.IGNORECASE)
DUE_LABEL = re.compile(r"(?:due(?:\s+date)?|by|deadline|eta|target\s+date)\s*:?\s*", re.IGNORECASE)
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_PROGRESS = re.compile(
    r"progress\s*:?\s*([0-9]{1,3})\s*%?|([0-9]{1,3})\s*%\s*(?:done|complete|completed)",
    re.IGNORECASE,
)
BARE_PERCENT = re.compile(r"([0-9]{1,3})\s*%")
_YEAR_ONLY = re.compile(r"[0-9]{4}")
_DATE_LIKE = re.compile(r"[A-Za-z]{3}|[0-9]{4}|[0-9]{1,2}[/.][0-9]{1,2}")
# What introduces a status's reason: "blocked on legal", "at risk: vendor late", "delayed
# (hiring)". A status word followed by anything else is title text ("Complete redesign").
_REASON_START = re.compile(
    r"\s*(?:[:(\[]|[\u2013\u2014-]\s|\s(?:on|by|until|till|pending|waiting|since|because|"
    r"after|due\s+to|awaiting)\b)",
    re.IGNORECASE,
)
_PHRASE_WORD = re.compile(r"[^\s:,;()\[\]]+")
MAX_NOTE = 500


@dataclass
class Annotation:
    """What one trailing annotation group said."""

    owners: list[str] = field(default_factory=list)
    status: str | None = None
    due: date | None = None
    progress: int | None = None
    note: str | None = None  # what a status said beyond itself: "blocked on legal review"


def parse_date(text: str, default_year: int | None) -> date | None:
    """ "2026-03-15", "15 Mar 2026", "March 15" (with the default year); None when unreadable."""
    text = text.strip()
    iso = ISO_DATE.fullmatch(text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    if len(text) > 40 or not _DATE_LIKE.search(text) or not re.search(r"[0-9]", text):
        return None
    try:
        default = datetime(default_year or date.today().year, 1, 1)
        return date_parser.parse(text, default=default).date()
    except (ValueError, OverflowError, TypeError, LookupError):
        return None


def after_label(label: re.Pattern[str], text: str) -> str | None:
    """The text after a leading label such as "due:" or "status", None without the label."""
    match = label.match(text)
    return text[match.end() :] if match else None


def _parse_owners(text: str, *, names: bool = False) -> list[str] | None:
    """The owners a part names: mentions, @handles and e-mail addresses; with an owner label
    ("owner: Kenji Sato"), or when `names` (the group has a due date or status beside it),
    people's names too."""
    body = after_label(_OWNER_LABEL, text)
    labelled = body is not None
    body = text if body is None else body
    if _EMAIL.fullmatch(body.strip()):
        return [body.strip()]
    if (labelled or names) and _NAME.fullmatch(body.strip()) and not _OWNER_TOKEN.search(body):
        return [" ".join(body.split())]
    owners: list[str] = []
    position = 0
    for match in _OWNER_TOKEN.finditer(body):
        if not _OWNER_SEPARATOR.fullmatch(body[position : match.start()]):
            return None
        owners.append(match[1] if match[1] else "@" + match[2])
        position = match.end()
    if not owners or body[position:].strip():
        return None
    return owners


def _merge_year_parts(parts: list[str]) -> list[str]:
    """Rejoin "due March 15" + "2025" that the comma split apart."""
    merged: list[str] = []
    for part in parts:
        if merged and _YEAR_ONLY.fullmatch(part) and DUE_LABEL.match(merged[-1]):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    return merged


def parse_annotation_group(content: str, default_year: int | None) -> Annotation | None:
    """An annotation when EVERY part of the group is recognised, else None (title text)."""
    parts = _merge_year_parts([p.strip() for p in re.split(r"[;,]", content) if p.strip()])
    if not parts:
        return None
    annotation = Annotation()
    bare_percent: int | None = None
    recognised_other = False
    # A plain name counts as an owner only beside a part that is surely an annotation (a due
    # date, a status, progress, a mention): "(Kenji Sato, due 2026-12-18)", not "(Phase Two)".
    names = len(parts) > 1 and any(
        _parse_owners(p) is not None
        or DUE_LABEL.match(p)
        or _PROGRESS.fullmatch(p)
        or _DONE_ON.fullmatch(p)
        or normalize_status(after_label(_STATUS_LABEL, p) or p) is not None
        or status_with_reason(p) is not None
        for p in parts
    )
    for position, part in enumerate(parts):
        if _DONE_ON.fullmatch(part) and not DUE_LABEL.match(part):
            annotation.status = "done"  # "done 2026-10-15": done, on that day
            recognised_other = True
            continue
        owners = _parse_owners(part)
        status_text = after_label(_STATUS_LABEL, part)
        status = normalize_status(part if status_text is None else status_text)
        progress = _PROGRESS.fullmatch(part)
        bare = BARE_PERCENT.fullmatch(part)
        due_text = after_label(DUE_LABEL, part)
        if owners is not None:
            annotation.owners.extend(owners)
        elif status is not None:
            annotation.status = status
        elif progress is not None and int(progress[1] or progress[2]) <= 100:
            annotation.progress = int(progress[1] or progress[2])
        elif bare is not None and int(bare[1]) <= 100:
            bare_percent = int(bare[1])
            continue
        elif due_text is not None and parse_date(due_text, default_year) is not None:
            annotation.due = parse_date(due_text, default_year)
        elif ISO_DATE.fullmatch(part) and parse_date(part, default_year) is not None:
            annotation.due = parse_date(part, default_year)
        elif (reason := status_with_reason(status_text or part)) is not None:
            # "(@alice, blocked on legal, ETA unknown)": the note runs to the group's end.
            annotation.status = reason[0]
            annotation.note = note_text(", ".join([reason[1], *parts[position + 1 :]]))
            return annotation
        elif names and (named := _parse_owners(part, names=True)) is not None:
            annotation.owners.extend(named)
        else:
            return None
        recognised_other = True
    if bare_percent is not None:
        # "(20%)" alone is ambiguous and stays in the title; next to an owner it is progress.
        if not recognised_other:
            return None
        annotation.progress = bare_percent
    return annotation


def status_phrase(text: str) -> tuple[str, int] | None:
    """The status a text opens with and where its words end ("Blocked on legal" ->
    ("blocked", 7), "**At risk**: vendor" -> ("at-risk", 11)); None when it opens otherwise."""
    words = list(_PHRASE_WORD.finditer(text, 0, 80))
    if not words or words[0].start() != 0:
        return None
    for count in (3, 2, 1):
        if len(words) >= count:
            end = words[count - 1].end()
            status = normalize_status(text[:end])
            if status is not None:
                return status, end
    return None


def status_with_reason(text: str) -> tuple[str, str] | None:
    """ "blocked on legal review" -> ("blocked", "blocked on legal review"): a status word,
    then its reason. None for a bare status or a status word that is title text."""
    text = text.strip()
    phrase = status_phrase(text)
    if phrase is None:
        return None
    after = text[phrase[1] :]
    colon_in_bold = text[: phrase[1]].rstrip("*_").endswith(":")  # "**Blocked:** legal"
    if not after.strip(" :;,.-\u2013\u2014()[]") or not (
        colon_in_bold or _REASON_START.match(after)
    ):
        return None
    return phrase[0], text


def note_text(raw: str) -> str | None:
    """A note as plain text, cut to a length a status note keeps."""
    text = plain_inline(raw)
    if len(text) > MAX_NOTE:
        text = text[: MAX_NOTE - 1].rstrip() + "\u2026"
    return text or None


def status_clause(text: str, marked: str | None, default_year: int | None) -> Annotation | None:
    """What a status mark at the end of a goal's line says: "🔄 In progress", "⛔ blocked on
    legal review", "— Blocked on infra", "🔄 60%".

    ``marked``: the status an emoji before the text said; then any text is its note. Without
    it, the text must open with a status word and give a reason ("Blocked on infra").
    """
    text = text.strip()
    labelled = after_label(_STATUS_LABEL, text)  # "— Status: blocked on legal"
    text = labelled.strip() if labelled and status_phrase(labelled.strip()) else text
    if not text:
        return Annotation(status=marked) if marked else None
    group = parse_annotation_group(text, default_year)
    # "🔄 In progress, 60%", "✅ shipped 3 Mar"; without a mark only a plain status opens it.
    first = re.split(r"[;,]", text, maxsplit=1)[0]
    if group is not None and (marked or (group.status and normalize_status(first))):
        group.status = group.status or marked
        return group
    percent = BARE_PERCENT.fullmatch(text)
    if marked and percent is not None and int(percent[1]) <= 100:
        return Annotation(status=marked, progress=int(percent[1]))
    reason = status_with_reason(text)
    if reason is not None:
        return Annotation(status=reason[0], note=note_text(reason[1]))
    if marked is None:
        return None
    phrase = status_phrase(text)
    if phrase is not None and not text[phrase[1] :].strip(" .!"):
        return Annotation(status=phrase[0])  # "🔄 In progress", "✅ Done!"
    return Annotation(status=phrase[0] if phrase else marked, note=note_text(text))


def status_and_note(cell: str) -> tuple[str | None, str | None]:
    """A status column's cell: "At risk", "⛔ Blocked on legal", "Blocked: vendor late"."""
    text = " ".join(cell.split())
    marked = STATUS_EMOJI.get(text[:1])
    if marked is None and (text == "" or normalize_status(text) is not None):
        return normalize_status(text), None
    clause = status_clause(text[1:].lstrip("\ufe0f") if marked else text, marked, None)
    if clause is None:  # "✅ ✅", "Blocked?": as the status column always read it
        return normalize_status(text), None
    return clause.status, clause.note
