"""The config command: show the workspace's settings, or change one."""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable, Sequence

from bot.flows import settings as flows
from bot.flows.commands import Config
from handlers.grammar.errors import CommandError, closest, shown, too_many
from handlers.grammar.registry import command
from handlers.grammar.tokens import Args, Token
from handlers.grammar.values import (
    as_channel,
    bad_status,
    match_status,
    people_of,
)

GROUP = "Settings"
_USAGE = {
    "timezone": "/roadmap config timezone Europe/Berlin",
    "channel": "/roadmap config channel #channel",
    "admins": "/roadmap config admins @person…",
    "checkins": "/roadmap config checkins dm|channel",
    "holidays": "/roadmap config holidays <country code>|off",
    "reactions": "/roadmap config reactions [:emoji: <status>|off | reset]",
    "chase": "/roadmap config chase <hours>|off",
    "api-token": "/roadmap config api-token create [name] | revoke <name>",
    "mentions": "/roadmap config mentions on|off",
    "retention": "/roadmap config retention <days>",
    "digest": "/roadmap config digest images on|off",
    "hook": "/roadmap config hook github|gitlab|alertmanager create [environment | label=value…]"
    " | list | revoke <id>",
    "prometheus": "/roadmap config prometheus <url> [token <bearer token>] | off",
}
CONFIG_SETTINGS: tuple[str, ...] = tuple(_USAGE)
_SETTING_ALIASES = {
    "tz": "timezone",
    "time-zone": "timezone",
    "time_zone": "timezone",
    "zone": "timezone",
    "admin": "admins",
    "check-ins": "checkins",
    "checkin": "checkins",
    "check-in": "checkins",
    "holiday": "holidays",
    "reaction": "reactions",
    "emoji": "reactions",
    "api-tokens": "api-token",
    "api_token": "api-token",
    "apitoken": "api-token",
    "token": "api-token",
    "tokens": "api-token",
    "mention": "mentions",
    "digests": "digest",
    "hooks": "hook",
    "webhook": "hook",
    "webhooks": "hook",
    "prom": "prometheus",
    "chases": "chase",
    "reminders": "chase",
    "reminder": "chase",
}
_CHECKIN_PLACES = {"dm": "dm", "dms": "dm", "direct": "dm", "channel": "channel"}
_SWITCH = {"on": "on", "yes": "on", "true": "on", "enable": "on", "enabled": "on"}
_SWITCH.update({"off": "off", "no": "off", "false": "off", "disable": "off", "disabled": "off"})
_OFF = frozenset({"off", "none", "no"})
_COUNTRY = re.compile(r"[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,3})?")
_RETENTION = re.compile(r"(?P<days>[0-9]{1,6})\s*(?:d|days?)?", re.IGNORECASE)
_MAX_RETENTION_DAYS = 3650
_TOKEN_NAME = re.compile(r"[\w][\w.\-]{0,63}")
_TOKEN_ACTIONS = ("create", "revoke", "list")
_ADMIN_FILLER = frozenset({"and", "&", ","})
_EMOJI = re.compile(r":?(?P<name>[a-z0-9_+\-']{1,64}(?:::skin-tone-[2-6])?):?")
_HOOK_KINDS = ("github", "gitlab", "alertmanager")
_HOOK_ACTIONS = ("create", "list", "revoke")
_HOOK_ID = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_URL = re.compile(r"https?://\S{1,2000}", re.IGNORECASE)
_HOURS = re.compile(r"(?P<hours>[0-9]{1,3})\s*(?:h|hours?)?", re.IGNORECASE)
_MAX_CHASE_HOURS = 168

Validator = Callable[[Args], tuple[str, ...]]


@functools.cache
def _zones() -> dict[str, str]:
    """Lower-cased zone name → its proper name ("europe/berlin" → "Europe/Berlin")."""
    try:
        names = zoneinfo.available_timezones()
    except Exception:  # no tz database: accept names as typed
        names = set()
    return {name.casefold(): name for name in names} | {"utc": "UTC"}


def _one(args: Args, setting: str, what: str) -> Token:
    if len(args.tokens) > 1:
        raise too_many(args.text(), f"config {setting}", what)
    return args.tokens[0]


def _timezone(args: Args) -> tuple[str, ...]:
    token = _one(args, "timezone", "one time zone, like Europe/Berlin")
    zones = _zones()
    name = zones.get(token.text.casefold())
    if name:
        return (name,)
    if len(zones) <= 1 and re.fullmatch(r"[A-Za-z_+\-0-9/]{1,64}", token.text):
        return (token.text,)
    near = closest(token.text.casefold(), zones, cutoff=0.75)
    raise CommandError(
        f"`{shown(token.text)}` is not a time zone I know; use a name like Europe/Berlin.",
        suggestion=f"Did you mean `/roadmap config timezone {zones[near]}`?" if near else None,
    )


def _channel(args: Args) -> tuple[str, ...]:
    token = _one(args, "channel", "one channel")
    channel = as_channel(token)
    if channel is None:
        raise CommandError(
            f"`{shown(token.text)}` is not a channel; mention it, e.g. #eng-roadmap."
        )
    return (channel,)


def _admins(args: Args) -> tuple[str, ...]:
    return people_of(args.tokens, filler=frozenset(_ADMIN_FILLER))


def _choice(setting: str, words: dict[str, str], valid: str) -> Validator:
    def validate(args: Args) -> tuple[str, ...]:
        token = _one(args, setting, valid)
        value = words.get(token.key or "")
        if value is None:
            near = closest(token.key or "", words)
            raise CommandError(
                f"`{shown(token.text)}` is not a choice for {setting}; use {valid}.",
                suggestion=f"Did you mean `/roadmap config {setting} {words[near]}`?"
                if near
                else None,
            )
        return (value,)

    return validate


def _holidays(args: Args) -> tuple[str, ...]:
    token = _one(args, "holidays", "one country code")
    if token.key in _OFF:
        return ("off",)
    if token.kind == "word" and _COUNTRY.fullmatch(token.text):
        return (token.text.upper().replace("_", "-"),)
    raise CommandError(
        f"`{shown(token.text)}` is not a country code; use two letters like DE or US, or off."
    )


def _reactions(args: Args) -> tuple[str, ...]:
    """`reset`, or an emoji and the status it means (`off` forgets the emoji)."""
    tokens = args.tokens
    if tokens[0].key == "reset":
        if len(tokens) > 1:
            raise too_many(args.text(1), "config reactions reset", "nothing")
        return ("reset",)
    match = _EMOJI.fullmatch(tokens[0].text.casefold()) if tokens[0].kind == "word" else None
    if match is None:
        raise CommandError(f"`{shown(tokens[0].text)}` is not an emoji; type it like :rocket:.")
    emoji = match["name"].split("::", 1)[0]  # skin tones count as the plain emoji
    if len(tokens) == 1:
        raise CommandError(f"What should :{emoji}: mean? Give a status, or off.")
    if len(tokens) == 2 and tokens[1].key in _OFF:
        return (emoji, "off")
    found = match_status(tokens, 1)
    if found is None or 1 + found[1] != len(tokens):
        raise bad_status(tokens[1])
    return (emoji, found[0])


def _chase(args: Args) -> tuple[str, ...]:
    token = _one(args, "chase", "one number of hours, or off")
    if token.key in _OFF:
        return ("off",)
    match = _HOURS.fullmatch(args.text())
    if not match or not 1 <= int(match["hours"]) <= _MAX_CHASE_HOURS:
        raise CommandError(
            f"`{shown(args.text())}` is not a number of hours; remind after 1 to "
            f"{_MAX_CHASE_HOURS} hours, e.g. `/roadmap config chase 24`, or `off`."
        )
    return (str(int(match["hours"])),)


def _api_token(args: Args) -> tuple[str, ...]:
    tokens: Sequence[Token] = args.tokens
    action = tokens[0].key or ""
    if action not in _TOKEN_ACTIONS:
        near = closest(action, _TOKEN_ACTIONS)
        raise CommandError(
            f"I can't `{shown(tokens[0].text)}` an API token; use create, revoke or list.",
            suggestion=f"Did you mean `/roadmap config api-token {near}`?" if near else None,
        )
    names = tokens[1:]
    if len(names) > 1 or (action == "list" and names):
        raise too_many(args.text(1), f"config api-token {action}", "at most one token name")
    if not names:
        if action == "revoke":
            raise CommandError("Which token? Give its name, e.g. `revoke ci-bot`.")
        return (action,)
    if not _TOKEN_NAME.fullmatch(names[0].text):
        raise CommandError(
            f"`{shown(names[0].text)}` can't name a token; use one word of letters, digits, "
            "dots, dashes or underscores."
        )
    return (action, names[0].text)


def _hook(args: Args) -> tuple[str, ...]:
    """`list`, or a tool and what to do with its hooks."""
    tokens = args.tokens
    first = tokens[0].key or ""
    if first == "list" and len(tokens) == 1:
        return ("list",)
    if first not in _HOOK_KINDS:
        near = closest(first, _HOOK_KINDS)
        raise CommandError(
            f"There are hooks for github, gitlab and alertmanager, not `{shown(tokens[0].text)}`.",
            suggestion=f"Did you mean `/roadmap config hook {near} create`?" if near else None,
        )
    if len(tokens) == 1:
        return (first, "list")
    action = tokens[1].key or ""
    if action not in _HOOK_ACTIONS:
        near = closest(action, _HOOK_ACTIONS)
        raise CommandError(
            f"I can't `{shown(tokens[1].text)}` a hook; use create, list or revoke.",
            suggestion=f"Did you mean `/roadmap config hook {first} {near}`?" if near else None,
        )
    rest = [t.text for t in tokens[2:]]
    if action == "list" and rest:
        raise too_many(args.text(2), f"config hook {first} list", "nothing")
    if action == "revoke" and (len(rest) != 1 or not _HOOK_ID.fullmatch(rest[0])):
        raise CommandError(
            f"Which hook? Give its id, e.g. `/roadmap config hook {first} revoke Xy12ab34`; "
            f"`/roadmap config hook {first} list` shows them."
        )
    if action == "create" and first != "alertmanager" and len(rest) > 1:
        raise too_many(args.text(2), f"config hook {first} create", "one environment")
    return (first, action, *rest)


def _prometheus(args: Args) -> tuple[str, ...]:
    tokens = args.tokens
    if tokens[0].key in _OFF and len(tokens) == 1:
        return ("off",)
    url = tokens[0].text
    if not _URL.fullmatch(url):
        raise CommandError(
            f"`{shown(url)}` is not a URL; give the server's base URL, like "
            "https://prom.internal:9090, or off."
        )
    if len(tokens) == 1:
        return (url,)
    if len(tokens) == 3 and tokens[1].key == "token":
        return (url, tokens[2].text)
    raise CommandError("After the URL, only `token <bearer token>` may follow.")


def _retention(args: Args) -> tuple[str, ...]:
    text = args.text()
    match = _RETENTION.fullmatch(text)
    if not match or not 1 <= int(match["days"]) <= _MAX_RETENTION_DAYS:
        raise CommandError(
            f"`{shown(text)}` is not a number of days; keep history for 1 to "
            f"{_MAX_RETENTION_DAYS} days, e.g. `/roadmap config retention 30`."
        )
    return (str(int(match["days"])),)


def _digest(args: Args) -> tuple[str, ...]:
    """`images on|off`: whether the weekly digest adds a picture of the metrics."""
    tokens = args.tokens
    if tokens[0].key not in ("images", "image", "charts", "chart", "pictures"):
        raise CommandError(
            f"`{shown(tokens[0].text)}` is not a digest option; the digest has `images`."
        )
    if len(tokens) == 1:
        raise CommandError("Images on or off?")
    if len(tokens) > 2:
        raise too_many(args.text(2), "config digest images", "on or off")
    value = _SWITCH.get(tokens[1].key or "")
    if value is None:
        raise CommandError(f"`{shown(tokens[1].text)}` is not on or off.")
    return ("images", value)


_VALIDATORS: dict[str, Validator] = {
    "timezone": _timezone,
    "channel": _channel,
    "admins": _admins,
    "checkins": _choice("checkins", _CHECKIN_PLACES, "dm or channel"),
    "holidays": _holidays,
    "reactions": _reactions,
    "chase": _chase,
    "api-token": _api_token,
    "mentions": _choice("mentions", _SWITCH, "on or off"),
    "retention": _retention,
    "digest": _digest,
    "hook": _hook,
    "prometheus": _prometheus,
}


@command(
    "config",
    aliases=("settings", "configure", "set"),
    usage=("/roadmap config [setting] [value]", *_USAGE.values()),
    examples=(
        "/roadmap config",
        "/roadmap config timezone Europe/Berlin",
        "/roadmap config channel #eng-roadmap",
        "/roadmap config admins @alice @bob",
        "/roadmap config checkins dm",
        "/roadmap config holidays DE",
        "/roadmap config reactions",
        "/roadmap config reactions :rocket: done",
        "/roadmap config chase 48",
        "/roadmap config api-token create ci-bot",
        "/roadmap config api-token revoke ci-bot",
        "/roadmap config mentions off",
        "/roadmap config retention 30",
        "/roadmap config digest images on",
        "/roadmap config hook github create",
        "/roadmap config hook gitlab create staging",
        "/roadmap config hook alertmanager create severity=critical",
        "/roadmap config hook list",
        "/roadmap config prometheus https://prom.internal:9090",
    ),
    group=GROUP,
    flow=flows.config,
)
def parse_config(args: Args) -> Config:
    """Show the workspace's settings, or change one (admins only).

    Settings: timezone, channel (where digests go), admins, checkins (prompt by dm or in the
    channel), holidays (a country code, or off: no prompts on public holidays), reactions (the
    emoji that set a status: add one with a status, forget one with off, or reset), chase (hours
    before an unanswered prompt gets one reminder, or off), api-token (create or revoke tokens
    for the HTTP API), mentions (on or off), retention (days of history to keep) and digest
    images (on or off: a picture of the metrics in the weekly digest). A setting without a
    value shows it.
    for the HTTP API), mentions (on or off), retention (days of history to keep), hook (webhook
    URLs for GitHub, GitLab and Alertmanager: deploys and incidents) and prometheus (the server
    bound metrics are read from). A setting without a value shows it.
    """
    if not args.tokens:
        return Config()
    first = args.tokens[0]
    key = first.key or ""
    setting = _SETTING_ALIASES.get(key, key)
    if setting not in _VALIDATORS:
        near = closest(key, [*CONFIG_SETTINGS, *_SETTING_ALIASES])
        raise CommandError(
            f"There is no setting `{shown(first.text)}`; the settings are "
            f"{', '.join(CONFIG_SETTINGS)}.",
            suggestion=f"Did you mean `/roadmap config {_SETTING_ALIASES.get(near, near)}`?"
            if near
            else None,
        )
    values = Args(args.source, args.tokens[1:])
    if not values.tokens:
        return Config(setting)
    try:
        return Config(setting, _VALIDATORS[setting](values))
    except CommandError as error:
        error.usage = error.usage or _USAGE[setting]
        raise
