"""Webhook URLs for the team's tools: created, listed and revoked by roadmap admins, like API
tokens. A hook's id is in its URL (`/api/v1/hooks/<kind>/<id>`) and names the workspace; its
secret (shown once) is stored sealed (bot.services.secrets), since checking GitHub's signature
needs it back."""

from __future__ import annotations

import hmac
import re
import secrets as random
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import secrets
from bot.services.actors import Actor, require_admin
from bot.services.errors import InvalidInput, NotFound
from bot.services.tool_events import deploy_metric, recovery_metric
from models import AuditEntry, Hook, HookKind, Workspace, utcnow

DEFAULT_ENVIRONMENT = "production"
DEFAULT_LABELS = {"severity": "critical"}
MAX_SECRET = 200
_ENVIRONMENT = re.compile(r"[\w.\-/ ]{1,255}")
_LABEL = re.compile(r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]{0,99})=(?P<value>[^\s=]{1,200})")
_ANY = frozenset({"any", "all", "*"})
TOOL_NAMES = {
    HookKind.GITHUB: "GitHub",
    HookKind.GITLAB: "GitLab",
    HookKind.ALERTMANAGER: "Alertmanager",
}


@dataclass(frozen=True)
class HookView:
    """What may be shown of a hook: never its secret."""

    id: str
    kind: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    environment: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    metric: str | None = None  # the metric it feeds

    @property
    def tool(self) -> str:
        return TOOL_NAMES.get(self.kind, self.kind)

    @property
    def path(self) -> str:
        return f"/api/v1/hooks/{self.kind}/{self.id}"


@dataclass(frozen=True)
class CreatedHook:
    view: HookView
    secret: str  # shown once


def hook_kind(name: str) -> HookKind:
    try:
        return HookKind(name.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"There is no hook for {name}; hooks are for github, gitlab and alertmanager."
        ) from None


def _options(kind: HookKind, values: tuple[str, ...]) -> dict:
    if kind is HookKind.ALERTMANAGER:
        if len(values) == 1 and values[0].lower() in _ANY:
            return {"labels": {}}
        labels = {}
        for value in values:
            match = _LABEL.fullmatch(value)
            if not match:
                raise InvalidInput(
                    f"`{value}` is not a label filter; write name=value, like severity=critical "
                    "(or `any` for every alert)."
                )
            labels[match["name"]] = match["value"]
        return {"labels": labels or dict(DEFAULT_LABELS)}
    if len(values) > 1:
        raise InvalidInput("Give one environment, like production.")
    environment = values[0] if values else DEFAULT_ENVIRONMENT
    if not _ENVIRONMENT.fullmatch(environment):
        raise InvalidInput(f"`{environment}` is not an environment name, like production.")
    return {"environment": environment}


def _metric_for(session: Session, workspace: Workspace, kind: str) -> str | None:
    found = (
        recovery_metric(session, workspace.id)
        if kind == HookKind.ALERTMANAGER
        else deploy_metric(session, workspace.id)
    )
    return found.name if found else None


def _view(hook: Hook, metric: str | None = None) -> HookView:
    options = hook.options or {}
    return HookView(
        id=hook.id,
        kind=hook.kind,
        created_by=hook.created_by,
        created_at=hook.created_at,
        last_used_at=hook.last_used_at,
        environment=options.get("environment"),
        labels=dict(options.get("labels") or {}),
        metric=metric,
    )


def _active(session: Session, workspace_id: int, kind: str | None = None) -> list[Hook]:
    query = select(Hook).where(Hook.workspace_id == workspace_id, Hook.revoked_at.is_(None))
    if kind is not None:
        query = query.where(Hook.kind == kind)
    return list(session.scalars(query.order_by(Hook.created_at, Hook.id)))


def create_hook(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    kind: str,
    values: tuple[str, ...] = (),
    *,
    now: datetime | None = None,
) -> CreatedHook:
    """A new hook URL and its secret (returned once, stored sealed)."""
    require_admin(workspace, actor, "create webhooks")
    kind = hook_kind(kind)
    options = _options(kind, values)
    metric = _metric_for(session, workspace, kind)
    if metric is None:
        wanted = (
            "mean-time-to-recovery metric (named MTTR or “time to recovery”)"
            if kind is HookKind.ALERTMANAGER
            else "deployment-frequency metric (a name with “deploy” in it)"
        )
        raise InvalidInput(
            f"The roadmap has no {wanted} measured by your tools for {TOOL_NAMES[kind]} to "
            "feed; add one with `/roadmap metric add` first (or give an existing one "
            "`/roadmap metric source <name> tools`)."
        )
    secret = random.token_urlsafe(32)
    sealed = secrets.seal(secret)  # refuses clearly when no key is configured
    hook = Hook(
        id=random.token_urlsafe(12),
        workspace_id=workspace.id,
        kind=kind,
        secret=sealed,
        options=options,
        created_by=actor.user_id,
        created_at=now or utcnow(),
    )
    session.add(hook)
    session.add(
        AuditEntry(
            workspace_id=workspace.id, actor=actor.user_id, action="hook.create", target=hook.id
        )
    )
    session.flush()
    return CreatedHook(_view(hook, metric), secret)


def list_hooks(
    session: Session, workspace: Workspace, actor: Actor, kind: str | None = None
) -> list[HookView]:
    """The workspace's active hooks (of one kind, or all), oldest first."""
    require_admin(workspace, actor, "see webhooks")
    kind = hook_kind(kind) if kind else None
    return [
        _view(h, _metric_for(session, workspace, h.kind))
        for h in _active(session, workspace.id, kind)
    ]


def revoke_hook(
    session: Session,
    workspace: Workspace,
    actor: Actor,
    kind: str,
    hook_id: str,
    *,
    now: datetime | None = None,
) -> HookView:
    """Revoke an active hook; its URL stops working at once."""
    require_admin(workspace, actor, "revoke webhooks")
    kind = hook_kind(kind)
    hook = next((h for h in _active(session, workspace.id, kind) if h.id == hook_id.strip()), None)
    if hook is None:
        known = ", ".join(h.id for h in _active(session, workspace.id, kind)) or "none"
        raise NotFound(f"There is no active {TOOL_NAMES[kind]} hook {hook_id}. Hooks: {known}.")
    hook.revoked_at = now or utcnow()
    session.add(
        AuditEntry(
            workspace_id=workspace.id, actor=actor.user_id, action="hook.revoke", target=hook.id
        )
    )
    session.flush()
    return _view(hook)


@dataclass(frozen=True)
class OpenHook:
    """A hook found by its URL, with what checking a request needs."""

    id: str
    kind: str
    workspace_id: int
    secret: str
    options: dict


def find_hook(
    session: Session, kind: str, hook_id: str, *, now: datetime | None = None
) -> OpenHook | None:
    """The active hook of this kind and id, in an installed workspace, with its secret
    opened (its use noted); None otherwise, including a secret no configured key opens."""
    if not hook_id or len(hook_id) > 32:
        return None
    hook = session.scalar(
        select(Hook).where(Hook.id == hook_id, Hook.kind == kind, Hook.revoked_at.is_(None))
    )
    if hook is None:
        return None
    workspace = session.get(Workspace, hook.workspace_id)
    if workspace is None or workspace.uninstalled_at is not None:
        return None
    secret = secrets.open_secret(hook.secret)
    if secret is None:
        return None
    hook.last_used_at = now or utcnow()
    return OpenHook(hook.id, hook.kind, hook.workspace_id, secret, dict(hook.options or {}))


def same_secret(given: str | None, secret: str) -> bool:
    """Constant-time comparison of a presented token with the hook's secret."""
    if not given or len(given) > MAX_SECRET:
        return False
    return hmac.compare_digest(given.encode(), secret.encode())


def rekey_secrets(session: Session) -> tuple[int, int]:
    """Seal every hook secret and Prometheus token again with the first key (after a new
    ROADMAP_ENCRYPTION_KEY was put first): (re-encrypted, left as they were because no key
    opens them)."""
    from bot.services.prometheus import SETTING_TOKEN

    changed = stuck = 0
    for hook in session.scalars(select(Hook)):
        hook.secret, done = secrets.rekey(hook.secret)
        changed += done
        stuck += secrets.open_secret(hook.secret) is None
    for workspace in session.scalars(select(Workspace)):
        sealed = (workspace.settings or {}).get(SETTING_TOKEN)
        if sealed:
            new, done = secrets.rekey(sealed)
            if done:
                workspace.settings = {**workspace.settings, SETTING_TOKEN: new}
            changed += done
            stuck += secrets.open_secret(new) is None
    session.flush()
    return changed, stuck
