"""People: Slack user ids, and the names people type for them.

Owners are user ids. Whatever names a person (`<@U…>`, `@handle`, a display or real name, an
e-mail address, `me`) is resolved here against the workspace's members: users.list, paginated
and cached in the members table, refreshed when older than an hour (or when a name is not
found and the list is older than a minute). Slack is read through `PeopleReads`, plain
callables built at the edge (bot.slack_reads.people_reads); when Slack will not answer
(rate limits, `missing_scope`) the cache answers and the message says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.errors import InvalidInput
from bot.wording import moment_text
from models import Goal, GoalOwner, Member, PersonAlias, Workspace
from models.base import insert_ignoring_conflicts

# Slack user ids: U… for people (W… on Enterprise Grid), upper-case letters and digits.
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>")
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
ME = {"me", "mine", "myself"}

LIST_FRESH = timedelta(hours=1)  # the cached member list is used as is
LIST_RETRY = timedelta(minutes=1)  # a name not found re-reads a list older than this


def is_user_id(text: str) -> bool:
    """True for a Slack user id ("U0123ABCD"), False for anything else ("@alice", "mine")."""
    return bool(USER_ID.fullmatch(text or ""))


class DirectoryUnavailable(Exception):
    """Slack would not give the member list (or an e-mail lookup): `reason` is its error."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PeopleReads:
    """Slack reads about people, built at the edge. `list_members` returns every page of
    users.list; `lookup_email` a users.lookupByEmail user or None. Both raise
    DirectoryUnavailable when Slack refuses."""

    list_members: Callable[[], list[dict]]
    lookup_email: Callable[[str], dict | None] = lambda email: None


class PersonError(InvalidInput):
    """A name that does not name exactly one active person."""


class UnknownPerson(PersonError):
    """A name that matches nobody."""


@dataclass(frozen=True)
class Refresh:
    listed: bool  # users.list was read now
    members: int = 0
    unavailable: str | None = None  # Slack's error when it could not be read
    cached_at: datetime | None = None  # the list used instead


@dataclass
class Directory:
    """One request's view of the members: the cache, refreshed at most once."""

    session: Session
    workspace: Workspace
    reads: PeopleReads | None
    now: datetime
    refresh: Refresh | None = None
    _members: list[Member] | None = None

    def members(self) -> list[Member]:
        if self._members is None:
            self._members = list(
                self.session.scalars(
                    select(Member)
                    .where(Member.workspace_id == self.workspace.id)
                    .order_by(Member.id)
                )
            )
        return self._members

    def ensure_fresh(self, *, retry: bool = False) -> None:
        """Read users.list when the cache is stale (or, with `retry`, not brand new)."""
        if self.refresh is not None or self.reads is None:
            return
        listed = self.workspace.people_listed_at
        age_limit = LIST_RETRY if retry else LIST_FRESH
        if listed is not None and self.now - listed < age_limit:
            return
        self.refresh = refresh_people(
            session=self.session, workspace=self.workspace, reads=self.reads, now=self.now
        )
        self._members = None

    def fallback_note(self) -> str:
        r = self.refresh
        if r is None or r.unavailable is None:
            return ""
        when = f" from {moment_text(r.cached_at, named=True)}" if r.cached_at else ""
        return (
            f" (Slack's member list could not be read: `{r.unavailable}`; "
            f"I used the list I had{when}.)"
        )


def store_user(session: Session, workspace_id: int, user: dict, now: datetime) -> Member:
    """Remember what users.list / users.info says of a person."""
    insert_ignoring_conflicts(
        session,
        Member,
        {
            "workspace_id": workspace_id,
            "user_id": user["id"],
            "is_slack_admin": False,
            "created_at": now,
            "updated_at": now,
        },
        ["workspace_id", "user_id"],
    )
    member = session.scalar(
        select(Member).where(Member.workspace_id == workspace_id, Member.user_id == user["id"])
    )
    profile = user.get("profile") or {}
    member.handle = user.get("name") or member.handle
    member.display_name = profile.get("display_name") or None
    member.real_name = user.get("real_name") or profile.get("real_name") or None
    member.name = member.real_name or member.handle
    member.email = (profile.get("email") or "").lower() or member.email
    member.timezone = user.get("tz") or member.timezone
    member.is_bot = bool(user.get("is_bot")) or user.get("id") == "USLACKBOT"
    member.deleted = bool(user.get("deleted"))
    member.is_slack_admin = bool(user.get("is_admin") or user.get("is_owner"))
    member.listed_at = now
    return member


def remember_users(
    session: Session, workspace_id: int, users: dict[str, dict], user_ids, now: datetime
) -> None:
    """What users.list says of these people (names, time zone, deactivated) into the cache,
    e.g. for the team roster, whose pulse reaches each person at their own local hour."""
    for user_id in user_ids:
        if users.get(user_id, {}).get("id"):
            store_user(session, workspace_id, users[user_id], now)


def refresh_people(
    *, session: Session, workspace: Workspace, reads: PeopleReads, now: datetime
) -> Refresh:
    """Read every page of users.list into the members table; on Slack's refusal keep the
    cache and say why."""
    try:
        users = reads.list_members()
    except DirectoryUnavailable as error:
        return Refresh(False, unavailable=error.reason, cached_at=workspace.people_listed_at)
    for user in users:
        if user.get("id"):
            store_user(session, workspace.id, user, now)
    workspace.people_listed_at = now
    session.flush()
    return Refresh(True, members=len(users))


def _key(text: str) -> str:
    return " ".join(text.strip().lstrip("@").split()).casefold()


def label(member: Member) -> str:
    return f"@{member.handle}" if member.handle else f"<@{member.user_id}>"


def _check_active(member: Member, typed: str) -> str:
    if member.deleted:
        raise PersonError(f"{label(member)}'s account is deactivated; name someone else.")
    if member.is_bot:
        raise PersonError(f"{label(member)} is a bot; goals are owned by people.")
    return member.user_id


def _one_of(matches: list[Member], typed: str) -> Member | None:
    """The one match; an error naming the candidates when there are several."""
    people = list({m.user_id: m for m in matches}.values())
    if len(people) > 1:
        active = [m for m in people if not m.deleted and not m.is_bot]
        if len(active) == 1:
            return active[0]
        names = sorted(label(m) for m in (active or people))
        shown = ", ".join(names[:-1]) + f" or {names[-1]}"
        raise PersonError(f"`{typed}` could be {shown}; say which.")
    return people[0] if people else None


def _by_name(members: Sequence[Member], key: str) -> list[Member]:
    exact = [
        m
        for m in members
        if key in {(m.handle or "").casefold(), _key(m.display_name or ""), _key(m.real_name or "")}
    ]
    if exact:
        return exact
    if len(key) < 2:
        return []

    def starts(m: Member) -> bool:
        words = _key(m.real_name or "").split() + _key(m.display_name or "").split()
        return (
            (m.handle or "").casefold().startswith(key)
            or _key(m.display_name or "").startswith(key)
            or _key(m.real_name or "").startswith(key)
            or key in words
        )

    return [m for m in members if starts(m)]


def resolve_person(directory: Directory, text: str, *, actor_id: str | None) -> str:
    """The user id `text` names, or a PersonError that says why not."""
    typed = " ".join(text.split()).rstrip(",;")
    if not typed:
        raise PersonError("Name a person, e.g. @alice.")
    if mention := MENTION.fullmatch(typed):
        typed = mention[1]
    if is_user_id(typed):
        known = next((m for m in directory.members() if m.user_id == typed), None)
        return _check_active(known, typed) if known else typed
    if typed.casefold() in ME:
        if actor_id is None:
            raise PersonError(f"`{typed}` only works when a person asks.")
        return actor_id
    session, workspace = directory.session, directory.workspace
    alias = session.scalar(
        select(PersonAlias.user_id).where(
            PersonAlias.workspace_id == workspace.id, PersonAlias.alias == _key(typed)
        )
    )
    if alias:
        return alias
    if EMAIL.fullmatch(typed.lstrip("@")):
        return _by_email(directory, typed.lstrip("@"))
    key = _key(typed)
    directory.ensure_fresh()
    found = _one_of(_by_name(directory.members(), key), typed)
    if found is None:
        directory.ensure_fresh(retry=True)  # someone new since the last read?
        found = _one_of(_by_name(directory.members(), key), typed)
    if found is None:
        raise UnknownPerson(
            f"Nobody called `{typed}` in this workspace; mention them, e.g. @alice."
            + directory.fallback_note()
        )
    return _check_active(found, typed)


def _by_email(directory: Directory, email: str) -> str:
    wanted = email.casefold()
    directory.ensure_fresh()
    cached = [m for m in directory.members() if (m.email or "").casefold() == wanted]
    if cached:
        return _check_active(cached[0], email)
    user = None
    if directory.reads is not None:
        try:
            user = directory.reads.lookup_email(email)
        except DirectoryUnavailable as error:
            raise PersonError(
                f"I could not look up `{email}` (Slack said `{error.reason}`); "
                "mention the person instead."
            ) from error
    if user is None:
        raise PersonError(f"Nobody in this workspace has the e-mail address `{email}`.")
    member = store_user(directory.session, directory.workspace.id, user, directory.now)
    directory._members = None
    return _check_active(member, email)


def resolve_people(
    *,
    session: Session,
    workspace: Workspace,
    names: Iterable[str],
    actor_id: str | None,
    reads: PeopleReads | None,
    now: datetime,
) -> list[str]:
    """The user ids of these names, in order, each once; the first bad name is an error."""
    directory = Directory(session, workspace, reads, now)
    ids: list[str] = []
    for name in names:
        try:
            ids.append(resolve_person(directory, name, actor_id=actor_id))
        except UnknownPerson:
            words = name.split()
            if len(words) < 2:
                raise
            try:  # "omar kenji": two people, when the words name one each
                ids += [resolve_person(directory, word, actor_id=actor_id) for word in words]
            except PersonError:
                raise UnknownPerson(
                    f"Nobody called `{name}` in this workspace; mention them, e.g. @alice."
                    + directory.fallback_note()
                ) from None
    return list(dict.fromkeys(ids))


def cached_match(session: Session, workspace_id: int, name: str) -> str | None:
    """The user id of the one active member `name` names in the cache (or an alias), else
    None: for imports, which keep what they cannot resolve."""
    typed = " ".join(name.split())
    if mention := MENTION.fullmatch(typed):
        return mention[1]
    if is_user_id(typed):
        return typed
    alias = session.scalar(
        select(PersonAlias.user_id).where(
            PersonAlias.workspace_id == workspace_id, PersonAlias.alias == _key(typed)
        )
    )
    if alias:
        return alias
    members = list(session.scalars(select(Member).where(Member.workspace_id == workspace_id)))
    members = [m for m in members if not m.deleted and not m.is_bot]
    if EMAIL.fullmatch(typed.lstrip("@")):
        wanted = typed.lstrip("@").casefold()
        matches = [m for m in members if (m.email or "").casefold() == wanted]
    else:
        matches = _by_name(members, _key(typed))
    people = {m.user_id for m in matches}
    return people.pop() if len(people) == 1 else None


# --- owners that are still names ----------------------------------------------------------------


@dataclass(frozen=True)
class UnresolvedName:
    name: str
    refs: tuple[str, ...]


def unresolved_owners(session: Session, workspace_id: int) -> list[UnresolvedName]:
    """Owners stored as names (an import's, an earlier version's) with the goals they own."""
    rows = session.execute(
        select(GoalOwner.owner, Goal.number)
        .join(Goal, Goal.id == GoalOwner.goal_id)
        .where(GoalOwner.workspace_id == workspace_id, Goal.archived.is_(False))
        .order_by(Goal.number)
    ).all()
    names: dict[str, list[str]] = {}
    for owner, number in rows:
        if not is_user_id(owner):
            names.setdefault(owner, []).append(f"G{number}")
    return [UnresolvedName(n, tuple(refs)) for n, refs in names.items()]


def replace_name(session: Session, workspace_id: int, name: str, user_id: str) -> list[str]:
    """Make `user_id` the owner wherever `name` is; returns the goals changed."""
    rows = list(
        session.scalars(
            select(GoalOwner).where(GoalOwner.workspace_id == workspace_id, GoalOwner.owner == name)
        )
    )
    changed = []
    for row in rows:
        goal = session.get(Goal, row.goal_id)
        if any(o.owner == user_id for o in goal.owners):
            goal.owners.remove(row)
        else:
            row.owner = user_id
        changed.append(goal.ref)
    session.flush()
    return changed


def remember_alias(session: Session, workspace_id: int, name: str, user_id: str) -> None:
    key = _key(name)
    alias = session.scalar(
        select(PersonAlias).where(
            PersonAlias.workspace_id == workspace_id, PersonAlias.alias == key
        )
    )
    if alias is None:
        session.add(PersonAlias(workspace_id=workspace_id, alias=key, user_id=user_id))
    else:
        alias.user_id = user_id
    session.flush()


@dataclass
class OwnerFix:
    fixed: dict[str, list[str]] = field(default_factory=dict)  # name → goals now owned by id
    unresolved: list[UnresolvedName] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # name → why not


def map_names(
    *, session: Session, workspace: Workspace, mapping: dict[str, str], now: datetime
) -> OwnerFix:
    """An admin's fix: each name becomes the chosen person's id on every goal, and is
    remembered so the next import resolves it the same way."""
    directory = Directory(session, workspace, None, now)
    fix = OwnerFix()
    for name, user_id in mapping.items():
        try:
            user_id = resolve_person(directory, user_id, actor_id=None)
        except PersonError as error:
            fix.refused[name] = str(error)
            continue
        remember_alias(session, workspace.id, name, user_id)
        fix.fixed[name] = replace_name(session, workspace.id, name, user_id)
    fix.unresolved = unresolved_owners(session, workspace.id)
    return fix


def resolve_text_owners(
    *, session: Session, workspace: Workspace, reads: PeopleReads | None, now: datetime
) -> OwnerFix:
    """Owners stored as names become ids where they name exactly one member (after reading
    users.list); the rest are reported."""
    if reads is not None:
        refresh_people(session=session, workspace=workspace, reads=reads, now=now)
    fix = OwnerFix()
    for unresolved in unresolved_owners(session, workspace.id):
        user_id = cached_match(session, workspace.id, unresolved.name)
        if user_id is None:
            continue
        fix.fixed[unresolved.name] = replace_name(session, workspace.id, unresolved.name, user_id)
    fix.unresolved = unresolved_owners(session, workspace.id)
    return fix


def handles(session: Session, workspace_id: int, user_ids: Iterable[str]) -> dict[str, str]:
    """`@handle` for each user id the cache knows."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Member.user_id, Member.handle).where(
            Member.workspace_id == workspace_id,
            Member.user_id.in_(wanted),
            Member.handle.is_not(None),
        )
    ).all()
    return {user_id: f"@{handle}" for user_id, handle in rows}


def person_names(session: Session, workspace_id: int, user_ids: Iterable[str]) -> dict[str, str]:
    """A readable name (real name, else handle) for each user id the cache knows."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Member.user_id, Member.real_name, Member.name, Member.handle).where(
            Member.workspace_id == workspace_id, Member.user_id.in_(wanted)
        )
    ).all()
    return {u: r or n or h for u, r, n, h in rows if r or n or h}


def timezones(session: Session, workspace_id: int, user_ids: Iterable[str]) -> dict[str, str]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Member.user_id, Member.timezone).where(
            Member.workspace_id == workspace_id,
            Member.user_id.in_(wanted),
            Member.timezone.is_not(None),
        )
    ).all()
    return dict(rows)
