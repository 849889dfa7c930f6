"""The README stays true: it documents every command and the two commands CI runs."""

from pathlib import Path

from handlers.grammar import COMMANDS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_slash_command_is_documented():
    missing = [name for name in COMMANDS if f"/roadmap {name}" not in README]
    assert missing == []


def test_the_two_commands_and_ci_agree():
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
