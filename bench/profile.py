"""Where a clock's CPU goes: py-spy's folded stacks (`py-spy record --format raw`) summed by
category. Each sample goes to the category of its innermost frame that names one (json called
by slack_sdk is JSON; SQLAlchemy called by a digest service is SQL), so the shares add up to
100 %. `python -m bench.profile bench/results/fanout-profile.txt` prints the summary again."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

# (category, substrings of a frame's file path), innermost match wins; first rule breaks ties.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("JSON (encode, decode)", ("json/",)),
    ("SQL: PostgreSQL driver (psycopg)", ("psycopg/", "psycopg_binary/", "sqlite3/")),
    ("SQL: SQLAlchemy (ORM, statements, pool)", ("sqlalchemy/", "<sqlalchemy")),
    (
        "HTTP client (urllib, urllib3, http.client, sockets)",
        ("urllib/", "urllib3/", "http/client", "socket.py", "ssl.py", "email/", "selectors.py"),
    ),
    ("slack_sdk (request building, responses)", ("slack_sdk/",)),
    ("logging", ("logging/",)),
    (
        "threads, queues, APScheduler",
        ("threading.py", "concurrent/", "queue.py", "apscheduler/"),
    ),
    ("composition: digest services and blocks", ("bot/services/", "bot/blocks/", "bot/kinds/")),
    ("clock: claims, dispatch, pacing, sender", ("bot/scheduling/",)),
    ("other bot code", ("bot/", "models/")),
]
# Inclusive time of these phases (any frame in the stack): they overlap the categories above.
PHASES: list[tuple[str, str]] = [
    ("claiming (claim_due)", r"(^|\.)claim_(due|batch) \("),
    ("composing the digest (weekly_digest)", r"(^|\.)weekly_digest \("),
    ("Slack calls (BaseClient.api_call)", r"(^|\.)api_call \(slack_sdk/"),
    ("recording outcomes (release, record_ts)", r"(^|\.)(release|record_ts|settle) \("),
    ("SQLAlchemy sessions: checkout, pre-ping, commit", r"(^|\.)(_do_ping_w_event|commit) \("),
]
FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def read_stacks(path: Path) -> Counter:
    stacks: Counter = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def category_of(frames: tuple[str, ...]) -> str:
    for frame in reversed(frames):
        match = FRAME.match(frame)
        file = match["file"] if match else frame
        for name, needles in CATEGORIES:
            if any(file.startswith(needle) or "/" + needle in file for needle in needles):
                return name
    return "interpreter, other libraries"


def summarize(path: Path, *, cpu_ms_per_post: float | None = None) -> dict:
    """Shares by category and phase; with the run's clock CPU per post, each share in ms."""
    stacks = read_stacks(path)
    total = sum(stacks.values()) or 1
    by_category: Counter = Counter()
    phases: Counter = Counter()
    for frames, count in stacks.items():
        by_category[category_of(frames)] += count
        for name, pattern in PHASES:
            if any(re.search(pattern, frame) for frame in frames):
                phases[name] += count

    def share(count: int) -> dict:
        percent = round(100 * count / total, 1)
        ms = round(cpu_ms_per_post * count / total, 2) if cpu_ms_per_post is not None else None
        return {"samples": count, "percent": percent, "ms_per_post": ms}

    return {
        "samples": total,
        "cpu_ms_per_post": cpu_ms_per_post,
        "by_category": {name: share(n) for name, n in by_category.most_common()},
        "phases_inclusive": {name: share(phases[name]) for name, _ in PHASES},
    }


def print_summary(summary: dict) -> None:
    print(f"\nWhere one clock's CPU goes ({summary['samples']} samples, idle threads left out)")
    sections = (("by category", "by_category"), ("phases (overlapping)", "phases_inclusive"))
    for title, key in sections:
        print(f"  {title}:")
        for name, s in summary[key].items():
            ms = f"{s['ms_per_post']:6.2f} ms/post" if s["ms_per_post"] is not None else ""
            print(f"    {name:<52} {s['percent']:5.1f} %  {ms}")


if __name__ == "__main__":
    print_summary(summarize(Path(sys.argv[1])))
