"""The annotations a goal line carries: owners, a status, a due date, progress, as a group
("(@alice, due 2026-03-15, 40%)") or one by one; dates as teams write them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil import parser as date_parser

from .marks import normalize_status

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


@dataclass
class Annotation:
    """What one trailing annotation group said."""

    owners: list[str] = field(default_factory=list)
    status: str | None = None
    due: date | None = None
    progress: int | None = None


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
        for p in parts
    )
    for part in parts:
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
