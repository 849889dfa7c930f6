"""rotate-key and purge: the stored tokens' key, and deleting a workspace's data."""

from __future__ import annotations

import argparse
import sys

from bot.cli.roadmap import open_database
from bot.config import ConfigError, Settings
from bot.services.installations import purge_expired, purge_workspace
from models import utcnow


def add_parsers(subparsers) -> None:
    rotate = subparsers.add_parser(
        "rotate-key",
        help="re-encrypt every stored Slack token with the first ROADMAP_ENCRYPTION_KEY key",
    )
    rotate.set_defaults(handler=cmd_rotate_key)

    purge = subparsers.add_parser(
        "purge", help="delete a workspace's data and tokens now (or every expired one)"
    )
    purge.add_argument("--team", action="append", default=[], help="Slack team id (repeatable)")
    purge.add_argument(
        "--expired",
        action="store_true",
        help="purge the workspaces uninstalled longer than their retention (the clock's job)",
    )
    purge.set_defaults(handler=cmd_purge)


def cmd_rotate_key(settings: Settings, args: argparse.Namespace) -> int:
    """Run after putting the new key first (NEW,OLD); then the old key can be dropped."""
    from bot.oauth.crypto import TokenCipher
    from bot.oauth.store import EncryptedInstallationStore

    try:
        cipher = TokenCipher.from_setting(settings.encryption_key)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    engine, _factory = open_database(settings)
    try:
        store = EncryptedInstallationStore(
            client_id=settings.slack_client_id or "", engine=engine, cipher=cipher
        )
        changed = store.rekey()
        from bot.services import hooks, secrets

        secrets.configure(
            encryption_key=settings.encryption_key, signing_secret=settings.slack_signing_secret
        )
        with _factory() as session, session.begin():
            sealed, stuck = hooks.rekey_secrets(session)
    finally:
        engine.dispose()
    print(f"Re-encrypted {sealed} hook secret(s) and Prometheus token(s).")
    if stuck:
        print(
            f"{stuck} could not be opened with any configured key; re-create those hooks.",
            file=sys.stderr,
        )
    keys = len([k for k in (settings.encryption_key or "").split(",") if k.strip()])
    print(f"Re-encrypted {changed} stored token(s) with the first of {keys} key(s).")
    if keys > 1:
        print("Every token now opens with the first key alone: the others can be removed.")
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    if not args.team and not args.expired:
        print("error: say which workspace: --team T0123456789 (or --expired)", file=sys.stderr)
        return 2
    engine, factory = open_database(settings)
    status = 0
    try:
        for team_id in args.team:
            with factory() as session, session.begin():
                outcome = purge_workspace(session=session, team_id=team_id)
            if outcome.workspace_deleted or outcome.installations_deleted:
                print(
                    f"Purged {team_id}: its data and "
                    f"{outcome.installations_deleted} installation row(s) are deleted."
                )
            else:
                print(f"error: nothing is stored for {team_id}", file=sys.stderr)
                status = 1
        if args.expired:
            purged = purge_expired(factory, utcnow())
            print(f"Purged {len(purged)} expired workspace(s){': ' if purged else '.'}", end="")
            print(", ".join(purged) if purged else "")
    finally:
        engine.dispose()
    return status
