"""views.open / views.push / views.update / views.publish with Slack's validation."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .api import Ctx, method
from .blocks import blocks_errors, has_input, text_errors
from .observe import Shown
from .state import (
    MAX_MODAL_TITLE,
    MAX_VIEW_BLOCKS,
    MAX_VIEW_STACK,
    SlackError,
    invalid_arguments,
)

if TYPE_CHECKING:
    from .workspace import Workspace

VIEW_TYPES = ("modal", "home")


def validate_view(view: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Check a view payload; raise invalid_arguments with json-pointer messages."""
    if not isinstance(view, dict):
        raise invalid_arguments(
            "missing required field: view"
            if view is None
            else "invalid view: must be a JSON object [json-pointer:/view]"
        )
    errors: list[str] = []
    kind = view.get("type")
    if kind is None:
        errors.append("missing required field: type [json-pointer:/view]")
    elif kind not in allowed:
        errors.append(f"must be one of: {', '.join(allowed)} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        errors.append("missing required field: blocks [json-pointer:/view]")
    else:
        errors += blocks_errors(blocks, "/view/blocks", MAX_VIEW_BLOCKS)
    if kind == "modal":
        errors += text_errors(view.get("title"), "/view/title", MAX_MODAL_TITLE, plain_only=True)
        for key in ("submit", "close"):
            errors += text_errors(
                view.get(key), f"/view/{key}", MAX_MODAL_TITLE, plain_only=True, required=False
            )
        if isinstance(blocks, list) and has_input(blocks) and view.get("submit") is None:
            errors.append(
                "must provide a submit property when using input blocks [json-pointer:/view]"
            )
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors.append(f"must be less than {limit + 1} characters [json-pointer:/view/{key}]")
    if errors:
        raise invalid_arguments(*errors)
    return view


def _view_param(ctx: Ctx, allowed: tuple[str, ...]) -> dict[str, Any]:
    view = ctx.params.get("view")
    if isinstance(view, str):
        raise invalid_arguments("invalid json [json-pointer:/view]")
    return validate_view(view, allowed)


def _check_external_id(ctx: Ctx, external_id: str, keep: str | None = None) -> None:
    for vid, live in ctx.ws._live_views.items():
        if live["team_id"] == ctx.team_id and live["external_id"] == external_id and vid != keep:
            raise SlackError("duplicate_external_id")


def _build(
    ctx: Ctx,
    payload: dict[str, Any],
    vid: str,
    root: str | None,
    previous: str | None,
    user_id: str,
) -> dict[str, Any]:
    """The view object Slack returns (plus "user" kept for the fake's log)."""
    ws = ctx.ws
    view = {
        "id": vid,
        "team_id": ctx.team_id,
        "type": payload["type"],
        "blocks": ws.with_block_ids(payload["blocks"]),
        "private_metadata": payload.get("private_metadata", ""),
        "callback_id": payload.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(ws.now())}.{ws.random_str(8, '0123456789abcdef')}",
        "title": copy.deepcopy(payload.get("title")),
        "clear_on_close": bool(payload.get("clear_on_close", False)),
        "notify_on_close": bool(payload.get("notify_on_close", False)),
        "close": copy.deepcopy(payload.get("close")),
        "submit": copy.deepcopy(payload.get("submit")),
        "previous_view_id": previous,
        "root_view_id": root or vid,
        "app_id": ctx.auth.app_id,
        "external_id": payload.get("external_id", ""),
        "app_installed_team_id": ctx.team_id,
        "bot_id": ctx.auth.bot_id,
        "user": user_id,
    }
    if view["type"] == "home" and view["title"] is None:
        del view["title"]
    if payload.get("submit_disabled") is not None:
        view["submit_disabled"] = bool(payload["submit_disabled"])
    ws._live_views[vid] = view
    return view


def _answer(ctx: Ctx, view: dict[str, Any], method_name: str) -> dict[str, Any]:
    ctx.ws._view_log.append({**copy.deepcopy(view), "method": method_name})
    out = copy.deepcopy(view)
    del out["user"]
    return {"view": out}


@method("views.open")
def views_open(ctx: Ctx) -> dict[str, Any]:
    """Open a modal for the user behind a fresh trigger_id."""
    payload = _view_param(ctx, ("modal",))
    if not ctx.arg("trigger_id") and not ctx.arg("interactivity_pointer"):
        raise invalid_arguments("missing required field: trigger_id")
    if payload.get("external_id"):
        _check_external_id(ctx, payload["external_id"])
    user_id = ctx.ws.consume_trigger(
        ctx.team_id, ctx.arg("trigger_id") or ctx.arg("interactivity_pointer")
    )
    vid = ctx.ws.new_id("V")
    ctx.ws._modal_stacks[(ctx.team_id, user_id)] = [vid]
    return _answer(ctx, _build(ctx, payload, vid, None, None, user_id), "views.open")


@method("views.push")
def views_push(ctx: Ctx) -> dict[str, Any]:
    """Push a modal onto the user's open stack (max 3 views)."""
    payload = _view_param(ctx, ("modal",))
    if not ctx.arg("trigger_id") and not ctx.arg("interactivity_pointer"):
        raise invalid_arguments("missing required field: trigger_id")
    user_id = ctx.ws.consume_trigger(
        ctx.team_id, ctx.arg("trigger_id") or ctx.arg("interactivity_pointer")
    )
    stack = ctx.ws._modal_stacks.setdefault((ctx.team_id, user_id), [])
    if len(stack) >= MAX_VIEW_STACK:
        raise SlackError("push_limit_reached")
    vid = ctx.ws.new_id("V")
    view = _build(
        ctx, payload, vid, stack[0] if stack else None, stack[-1] if stack else None, user_id
    )
    stack.append(vid)
    return _answer(ctx, view, "views.push")


@method("views.update")
def views_update(ctx: Ctx) -> dict[str, Any]:
    """Replace a view by view_id or external_id; a stale `hash` -> hash_conflict."""
    view_id, external_id = ctx.arg("view_id"), ctx.arg("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("missing required field: view_id or external_id")
    live = ctx.ws._live_views.get(view_id or "")
    if external_id and not view_id:
        live = next(
            (
                v
                for v in ctx.ws._live_views.values()
                if v["team_id"] == ctx.team_id and v["external_id"] == external_id
            ),
            None,
        )
    if live is None or live["team_id"] != ctx.team_id:
        raise SlackError("not_found")
    payload = _view_param(ctx, (live["type"],))
    if ctx.arg("hash") and ctx.arg("hash") != live["hash"]:
        raise SlackError("hash_conflict")
    if payload.get("external_id"):
        _check_external_id(ctx, payload["external_id"], keep=live["id"])
    view = _build(
        ctx, payload, live["id"], live["root_view_id"], live["previous_view_id"], live["user"]
    )
    if not payload.get("external_id"):
        view["external_id"] = live["external_id"]
    return _answer(ctx, view, "views.update")


@method("views.publish")
def views_publish(ctx: Ctx) -> dict[str, Any]:
    """Publish the App Home of a user (view id stays stable per user)."""
    user_id = ctx.arg("user_id")
    if user_id is None:
        raise invalid_arguments("missing required field: user_id")
    payload = _view_param(ctx, ("home",))
    user = ctx.ws.user(ctx.team_id, user_id)
    if user is None:
        raise SlackError("user_not_found")
    key = (ctx.team_id, user_id)
    vid = ctx.ws._home_ids.get(key)
    live = ctx.ws._live_views.get(vid or "")
    if ctx.arg("hash") and (live is None or ctx.arg("hash") != live["hash"]):
        raise SlackError("hash_conflict")
    if vid is None:
        vid = ctx.ws.new_id("V")
        ctx.ws._home_ids[key] = vid
    return _answer(ctx, _build(ctx, payload, vid, None, None, user_id), "views.publish")


def close_views(ws: Workspace, team_id: str, user_id: str, view_ids: list[str]) -> None:
    """Take views off the user's modal stack (they can no longer be updated: not_found)."""
    key = (team_id, user_id)
    stack = ws._modal_stacks.get(key, [])
    for vid in view_ids:
        ws._live_views.pop(vid, None)
        if vid in stack:
            stack.remove(vid)
    if not stack:
        ws._modal_stacks.pop(key, None)


def after_submission(
    ws: Workspace, team_id: str, user_id: str, view_id: str, answer: dict[str, Any]
) -> dict[str, Any] | None:
    """Apply the app's ack of a view_submission as Slack does; returns the view now shown.

    No response_action closes the submitted view; `errors` keeps it open; `clear` closes the
    whole stack; `update` replaces the submitted view and `push` adds one on top (both are
    validated like views.update / views.push and reported to observers).
    """
    key = (team_id, user_id)
    stack = list(ws._modal_stacks.get(key, []))
    action = answer.get("response_action")
    if action == "errors":
        return None
    if action not in ("update", "push"):
        close_views(ws, team_id, user_id, stack if action == "clear" else [view_id])
        return None
    info = ws.bot_token_for_team(team_id)
    if info is None:
        raise SlackError("not_authed")
    ctx = Ctx(ws, info, {})
    payload = validate_view(answer.get("view"), ("modal",))
    if action == "update":
        live = ws._live_views.get(view_id)
        if live is None:
            raise SlackError("not_found")
        view = _build(
            ctx, payload, view_id, live["root_view_id"], live["previous_view_id"], user_id
        )
    else:
        if len(stack) >= MAX_VIEW_STACK:
            raise SlackError("push_limit_reached")
        vid = ws.new_id("V")
        view = _build(ctx, payload, vid, stack[0] if stack else None, view_id, user_id)
        ws._modal_stacks.setdefault(key, []).append(vid)
    shown = _answer(ctx, view, f"response_action.{action}")["view"]
    ws.notify(Shown("modal", copy.deepcopy(shown), user=user_id, action=action))
    return shown
