"""Splitting the text of a /roadmap command into tokens.

Slack sends the text with mentions escaped (`<@U0123ABCD|alice>`, `<#C0123ABCD|eng>`) and the
`&`, `<`, `>` the user typed as `&amp;`, `&lt;`, `&gt;`. A token is a word, a quoted string, a
user mention or a channel mention. Words and quoted strings are unescaped only after the
mentions are taken out, so a typed `&lt;@U1&gt;` stays text.

Free text (titles, notes, reasons) keeps mentions in Slack's canonical form `<@U0123ABCD>` /
`<#C0123ABCD>`; `<!here>`-style broadcasts become the harmless text `@here`, links their URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.slack_text import ENTITY, translate, unescape

TokenKind = Literal["word", "quoted", "user", "channel"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(rf"(?:(?!{ENTITY.pattern})\S)+")

# Opening quote → the characters that may close it (straight, smart and guillemets).
_QUOTE_PAIRS = {
    '"': '"“”',
    "“": "”“",
    "”": "”“",
    "„": "“”",
    "«": "»",
    "'": "'’‘",
    "‘": "’‘",
}
# A closing quote counts only when followed by a space or the end (so `'Bob's plan'` is one
# string); mentions inside the quotes are skipped whole.
_CLOSERS = {
    opener: re.compile(rf"{ENTITY.pattern}|(?P<close>[{re.escape(closers)}])(?=\s|$)")
    for opener, closers in _QUOTE_PAIRS.items()
}


@dataclass(frozen=True)
class Token:
    """One token: `text` is the unescaped word or quoted string, or the mention's Slack id."""

    kind: TokenKind
    text: str
    start: int
    end: int
    label: str | None = None

    @property
    def key(self) -> str | None:
        """The casefolded text of a plain word, for matching keywords; None otherwise."""
        return self.text.casefold() if self.kind == "word" else None


def _canonical_user(user_id: str, label: str | None) -> str:
    return f"<@{user_id}>"


def _canonical_channel(channel_id: str, label: str | None) -> str:
    return f"<#{channel_id}>"


def free_text(raw: str) -> str:
    """Raw command text made into plain free text: mentions canonical, escapes undone,
    whitespace collapsed. The same translation as every other text from Slack
    (bot.slack_text), except that people and channels stay ids for the grammar."""
    return " ".join(translate(raw, user=_canonical_user, channel=_canonical_channel).split())


def _entity_token(match: re.Match[str]) -> Token:
    start, end = match.span()
    if match["user"]:
        return Token("user", match["user"], start, end, match["user_label"])
    if match["channel"]:
        return Token("channel", match["channel"], start, end, match["channel_label"])
    text = translate(match.group(), user=_canonical_user, channel=_canonical_channel)
    return Token("word", text, start, end)


def clean(text: str) -> str:
    """Control characters become spaces; zero-width characters go."""
    return _INVISIBLE.sub("", _CONTROL.sub(" ", text))


def tokenize(source: str) -> list[Token]:
    """Split cleaned text into tokens. An unbalanced quote runs to the end of the text."""
    tokens: list[Token] = []
    position, length = 0, len(source)
    while True:
        space = _SPACE.match(source, position)
        if space:
            position = space.end()
        if position >= length:
            return tokens
        char = source[position]
        if char in _QUOTE_PAIRS:
            close = next(
                (
                    m.start("close")
                    for m in _CLOSERS[char].finditer(source, position + 1)
                    if m["close"]
                ),
                None,
            )
            stop = length if close is None else close
            end = length if close is None else close + 1
            tokens.append(Token("quoted", free_text(source[position + 1 : stop]), position, end))
            position = end
            continue
        entity = ENTITY.match(source, position)
        if entity:
            tokens.append(_entity_token(entity))
            position = entity.end()
            continue
        word = _WORD.match(source, position)
        end = word.end() if word else position + 1
        tokens.append(Token("word", unescape(source[position:end]), position, end))
        position = end


@dataclass(frozen=True)
class Args:
    """The tokens after the command word, with the source text their offsets point into."""

    source: str
    tokens: tuple[Token, ...]

    def text(self, start: int = 0, stop: int | None = None) -> str:
        """The free text of tokens[start:stop]: one quoted token loses its quotes."""
        chosen = self.tokens[start:stop]
        if not chosen:
            return ""
        if len(chosen) == 1 and chosen[0].kind == "quoted":
            return chosen[0].text
        return free_text(self.source[chosen[0].start : chosen[-1].end])
