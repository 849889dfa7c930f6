"""The roadmap document commands: import and export."""

from __future__ import annotations

from bot.flows import roadmap_io as flows
from bot.flows.commands import ExportRoadmap, ImportRoadmap
from bot.flows.registry import Permission
from handlers.grammar.errors import CommandError, closest, shown, too_many
from handlers.grammar.registry import command
from handlers.grammar.tokens import Args

GROUP = "Roadmap"
EXPORT_FORMATS: tuple[str, ...] = ("md", "json", "csv")
_FORMAT_WORDS = {"md": "md", "markdown": "md", "json": "json", "csv": "csv"}


@command(
    "import",
    usage=("/roadmap import",),
    examples=("/roadmap import",),
    group=GROUP,
    flow=flows.open_import,
    permission=Permission.ADMIN,
    admin_only="import a roadmap",
)
def parse_import(args: Args) -> ImportRoadmap:
    """Import a roadmap document (Markdown): opens a form to paste it into.

    Goals, metrics and rituals found in the document are shown for review before anything is
    saved.
    """
    if args.tokens:
        raise too_many(args.text(), "import", "nothing: it opens a form to paste the roadmap in")
    return ImportRoadmap()


@command(
    "export",
    usage=("/roadmap export [md|json|csv]",),
    examples=("/roadmap export", "/roadmap export json", "/roadmap export CSV"),
    group=GROUP,
    flow=flows.export,
)
def parse_export(args: Args) -> ExportRoadmap:
    """Export the roadmap as Markdown (the default), JSON or CSV."""
    if not args.tokens:
        return ExportRoadmap()
    if len(args.tokens) > 1:
        raise too_many(args.text(), "export", "one format")
    token = args.tokens[0]
    fmt = _FORMAT_WORDS.get((token.key or "").lstrip("."))
    if fmt is None:
        near = closest(token.key or "", _FORMAT_WORDS)
        raise CommandError(
            f"I can't export as `{shown(token.text)}`; use md, json or csv.",
            suggestion=f"Did you mean `/roadmap export {_FORMAT_WORDS[near]}`?" if near else None,
        )
    return ExportRoadmap(fmt)
