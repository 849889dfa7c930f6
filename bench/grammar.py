"""Command grammar: CPU time to parse pathological slash-command text (long runs of quotes,
broken mentions, escapes) after each command name. A regular expression that backtracks
would show here as seconds; the target is well under 100 ms for every case.

python -m bench.grammar
"""

from __future__ import annotations

import contextlib
import time

from bench.common import print_table, write_results
from handlers.grammar import CommandError, parse_command

BODIES = {
    "quotes": '"' * 9000,
    "open-quotes": '"a ' * 3000,
    "broken-mentions": "<@" * 4500,
    "mentions": "<@U1|a " * 1280,
    "escapes": "&amp;" * 1800,
    "words": "a " * 4500,
}
COMMANDS = ("", "list ", "add ", "status G1 blocked ", "schedule add reminder ")


def worst_parse_ms(body: str) -> float:
    worst = 0.0
    for name in COMMANDS:
        started = time.process_time()
        with contextlib.suppress(CommandError):
            parse_command(name + body)
        worst = max(worst, (time.process_time() - started) * 1000)
    return worst


def main() -> int:
    figures = {case: round(worst_parse_ms(body), 2) for case, body in BODIES.items()}
    print_table(
        "Parsing pathological command text (worst over the commands, CPU ms)",
        ["input", "characters", "worst parse"],
        [[case, len(BODIES[case]), f"{ms} ms"] for case, ms in figures.items()],
    )
    print(f"\nwrote {write_results('grammar', {'worst_parse_ms': figures})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
