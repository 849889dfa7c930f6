"""Decoding, mojibake repair and Markdown helpers shared by the parser and the renderer."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

import ftfy
from markdown_it import MarkdownIt
from markdown_it.token import Token

MARKDOWN = MarkdownIt("commonmark").enable("table")

# Fix mojibake and control characters, but keep what the author typed on purpose:
# curly quotes, full-width characters, and HTML entities (Markdown decodes those itself).
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False, uncurl_quotes=False, fix_character_width=False, explain=False
)
# Mojibake ftfy cannot undo because a byte was lost: "â€" + ASCII quote was an em dash
# (its third byte, a curly quote in cp1252, was straightened by some editor).
_LOSSY_MOJIBAKE = (('\u00e2\u20ac"', "\u2014"),)

_BOM = "\ufeff"
_VALID_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode_bytes(data: bytes) -> str:
    """UTF-8 (BOM stripped), UTF-16 with a BOM, Latin-1 when nothing looks like UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if _VALID_UTF8_MULTIBYTE.search(data) is None:
            return data.decode("latin-1")
        return data.decode("utf-8", errors="replace")


def clean_document(source: str | bytes) -> str:
    """Document text with BOM, line endings and mojibake fixed."""
    text = decode_bytes(source) if isinstance(source, bytes | bytearray) else str(source)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip(_BOM)
    text = ftfy.fix_text(text, _FTFY_CONFIG)
    for broken, fixed in _LOSSY_MOJIBAKE:
        text = text.replace(broken, fixed)
    return text.lstrip(_BOM)


def collapse(text: str) -> str:
    """Whitespace runs (tabs, newlines) to single spaces, ends stripped."""
    return " ".join(text.split())


def plain_children(children: Sequence[Token] | None) -> str:
    """Text of an inline token's children, Markdown markup dropped (bold, code, links)."""
    pieces: list[str] = []
    for child in children or ():
        if child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif child.type == "image":
            pieces.append(plain_children(child.children))
        elif child.type in ("text", "code_inline", "html_inline", "text_special"):
            pieces.append(child.content)
        elif child.children:
            pieces.append(plain_children(child.children))
    return collapse("".join(pieces))


def plain_inline(raw: str) -> str:
    """Plain text of a fragment of inline Markdown source."""
    if not raw.strip():
        return ""
    tokens = MARKDOWN.parseInline(raw)
    return plain_children(tokens[0].children if tokens else None)


_ALWAYS_ESCAPED = set("\\`*_[]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_BLOCK_STARTERS = set("#>+-=~|")
_ORDERED_MARKER = re.compile(r"^([0-9]{1,9})([.)])(?=\s|$)")


def escape_minimal(text: str, at_block_start: bool = True) -> str:
    """Backslash-escape only what Markdown would otherwise read as markup (keeps text readable).

    ``at_block_start``: the text opens a line or list item, where "# ", "> ", "1. " are blocks.
    """
    out: list[str] = []
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if (
            char in _ALWAYS_ESCAPED
            or (char == "<" and (following.isalpha() or following in ("/", "!", "?", "@")))
            or (char == "&" and _ENTITY.match(text, index))
        ):
            out.append("\\" + char)
        else:
            out.append(char)
    escaped = "".join(out)
    if not at_block_start:
        return escaped
    if escaped[:1] in _BLOCK_STARTERS:
        escaped = "\\" + escaped
    return _ORDERED_MARKER.sub(r"\1\\\2", escaped, count=1)


_ASCII_PUNCTUATION = set(string.punctuation)


# Dashes separate annotations from titles; as entities they are plain title text.
# Status emoji as entities too, so a title may end with "✅" without it becoming a status.
_AS_ENTITY = {"\u2014": "&#x2014;", "\u2013": "&#x2013;"} | {
    mark: f"&#x{ord(mark):x};"
    for mark in "\u2705\u2714\u2611\U0001f504\U0001f6a7\U0001f7e2\u26a0\U0001f7e1"
    "\U0001f534\u26d4\U0001f6ab\U0001f4cb"
}


def escape_all(text: str) -> str:
    """Backslash-escape every ASCII punctuation mark (dashes as entities): read back literally."""
    return "".join(
        "\\" + char if char in _ASCII_PUNCTUATION else _AS_ENTITY.get(char, char) for char in text
    )


def is_escaped(text: str, index: int) -> bool:
    """True when the character at ``index`` is preceded by an odd number of backslashes."""
    count = 0
    while index - 1 - count >= 0 and text[index - 1 - count] == "\\":
        count += 1
    return count % 2 == 1
