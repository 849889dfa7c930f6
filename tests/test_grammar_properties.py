"""Property-based tests (hypothesis) for handlers.grammar: any text parses or raises
CommandError, and what parses is well formed."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from handlers.grammar import (
    COMMAND_TYPES,
    COMMANDS,
    CONFIG_SETTINGS,
    SCHEDULE_ACTIONS,
    SCHEDULE_KINDS,
    STATUSES,
    AddGoal,
    AssignGoal,
    CommandError,
    ListGoals,
    ParsedCommand,
    SetProgress,
    ShowGoal,
    parse_command,
)
from handlers.grammar.parse import parse_unguarded
from handlers.grammar.tokens import clean, tokenize

QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NORMALIZED_REF = re.compile(r"G[0-9]+")
QUOTES = "\"'“”‘’«»„"


def _check(text: str) -> ParsedCommand | None:
    """Parse with the unguarded parser: only CommandError may escape, and results are sound."""
    try:
        parsed = parse_unguarded(text)
    except CommandError as error:
        assert error.message and str(error) == error.message
        assert error.usage is None or error.usage.startswith("/roadmap")
        assert error.suggestion is None or isinstance(error.suggestion, str)
        return None
    assert isinstance(parsed, ParsedCommand)
    _assert_well_formed(parsed.command)
    return parsed


def _assert_well_formed(command: object) -> None:
    assert isinstance(command, COMMAND_TYPES)
    fields = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)}
    if "ref" in fields:
        assert NORMALIZED_REF.fullmatch(fields["ref"])
    if fields.get("status") is not None:
        assert fields["status"] in STATUSES
    for name in ("percent", "progress"):
        if fields.get(name) is not None:
            assert 0 <= fields[name] <= 100
    for name in ("owners", "values"):
        if name in fields:
            assert isinstance(fields[name], tuple) and all(fields[name])
    for name in ("title", "category", "reason", "note", "text", "rule", "query", "name"):
        value = fields.get(name)
        assert value is None or (value and value == value.strip()), (name, value)
    if isinstance(command, ListGoals):
        assert command.page >= 1
    if fields.get("due") is not None or fields.get("until") is not None:
        assert isinstance(fields.get("due") or fields.get("until"), date)


# -- (1) arbitrary text ------------------------------------------------------------------------


@QUICK
@given(st.text())
def test_arbitrary_text_parses_or_raises_command_error(text: str) -> None:
    _check(text)


@QUICK
@given(st.sampled_from(sorted(COMMANDS)), st.text())
def test_arbitrary_arguments_to_every_command(name: str, rest: str) -> None:
    _check(f"{name} {rest}")


# -- (2) text from the grammar's own vocabulary -------------------------------------------------

COMMAND_WORDS = sorted({word for spec in COMMANDS.values() for word in (spec.name, *spec.aliases)})
VOCABULARY = [
    *COMMAND_WORDS,
    *SCHEDULE_ACTIONS,
    *SCHEDULE_KINDS,
    *CONFIG_SETTINGS,
    *STATUSES,
    "at", "risk", "on", "track", "not", "started", "todo", "green", "amber", "red", "To-Do",
    "G12", "g7", "G0", "G012", "G-x", "G", "12", "#12", "G99999999999",
    "<@U0123ABCD|alice>", "<@U0123ABCD>", "<@W9ZZ>", "<#C0123ABCD|eng-roadmap>", "<#C0123ABCD>",
    "<!here>", "<!subteam^S1|@eng>", "<https://example.com|docs>", "<@U1", "<#", "<", ">", "|",
    "@alice", "@", "#eng", "#", "me", "mine", "my",
    '"', "'", "“", "”", "‘", "’", "«", "»", "„", '""', "''",
    "60%", "60", "0", "100", "150%", "-5%", "3/5", "3/0", "0/0", "1/3", "60.5%", "0.6", "99,95",
    "1,200", "180ms", "45m", "1.5h", "87.2%", "4.6/5", "3/day", "per", "day", "1e5",
    "99999999999999999999", "−3",
    "Q2", "q3-q4", "Q4-Q1", "H1", "2025", "2025-Q2", "Q2'25", "this", "next", "last", "quarter",
    "current", "now", "page", "p2", "p0",
    "due", "until", "2025-06-30", "2025-13-45", "30", "Jun", "June", "Feb", "29", "2025/06/30",
    "Monday", "31st", "0000-00-00", "9999-12-31",
    "share", "SHARE", "?", "help", "--help", "prompt", "preview", "weekly", "quarterly",
    "md", "json", "csv", "create", "revoke", "list", "on", "off", "dm", "DE", "Europe/Berlin",
    "&amp;", "&lt;", "&gt;", "&", "\t", "\n", "\x00", "\u200b", "\u00a0", "\u3000", "é", "🚀",
    ":", "=", ",",
]  # fmt: skip
PIECES = st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=3))
UNQUOTED_PIECES = st.one_of(
    st.sampled_from([word for word in VOCABULARY if not set(word) & set(QUOTES)]),
    st.text(alphabet=st.characters(blacklist_characters=QUOTES), max_size=3),
)
SEPARATORS = st.sampled_from([" ", " ", " ", "", "  ", "\t"])


@st.composite
def vocabulary_text(draw: st.DrawFn, pieces: st.SearchStrategy[str] = PIECES) -> str:
    """Text built from command words, refs, mentions, quotes, numbers and dates."""
    pieces = draw(st.lists(pieces, max_size=12))
    if draw(st.booleans()):
        pieces.insert(0, draw(st.sampled_from(COMMAND_WORDS)))
    text = ""
    for piece in pieces:
        text += draw(SEPARATORS) + piece
    return text


@THOROUGH
@given(vocabulary_text())
def test_vocabulary_text_parses_or_raises_command_error(text: str) -> None:
    parsed = _check(text)
    assert parsed is None or parse_command(text) == parsed  # deterministic, guard agrees


def _outcome(text: str) -> ParsedCommand | str:
    try:
        return parse_unguarded(text)
    except CommandError as error:
        return error.message


@QUICK
@given(vocabulary_text(UNQUOTED_PIECES))
def test_a_final_share_only_sets_share(text: str) -> None:
    tokens = tokenize(clean(text))
    assume(not tokens or tokens[-1].key != "share")
    before, after = _outcome(text), _outcome(f"{text} share")
    if isinstance(before, ParsedCommand):
        assert after == ParsedCommand(before.command, share=True)
    else:
        assert after == before


# -- (3) round trips ---------------------------------------------------------------------------


@QUICK
@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from(["G", "g", "G00"]))
def test_goal_refs_normalize(number: int, prefix: str) -> None:
    assert parse_command(f"show {prefix}{number}").command == ShowGoal(f"G{number}")


@QUICK
@given(st.integers(min_value=1, max_value=10_000), st.data())
def test_fractions_round_half_up(whole: int, data: st.DataObject) -> None:
    part = data.draw(st.integers(min_value=0, max_value=whole))
    expected = int(Fraction(100 * part, whole) + Fraction(1, 2))
    parsed = parse_command(f"progress G1 {part}/{whole}").command
    assert parsed == SetProgress("G1", expected)


@QUICK
@given(
    st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_characters="<>"), max_size=20),
)
def test_user_mentions_give_their_id_whatever_the_label(user_id: str, label: str) -> None:
    mention = f"<@{user_id}|{label}>" if label else f"<@{user_id}>"
    assert parse_command(f"assign G1 {mention}").command == AssignGoal("G1", (user_id,))


TITLE_CHARACTERS = st.characters(
    blacklist_categories=["Cc", "Cs"], blacklist_characters=QUOTES + "&<>\u200b\u2060\ufeff"
)


@QUICK
@given(st.text(alphabet=TITLE_CHARACTERS, max_size=60))
def test_quoted_titles_come_back_with_spaces_collapsed(title: str) -> None:
    expected = " ".join(title.split())
    try:
        command = parse_command(f'add "{title}" Q2').command
    except CommandError:
        assert not expected
    else:
        assert command == AddGoal(expected, "Q2")
