"""Import: 10,000 goals, then the same document again, then with 2,000 titles changed (1,000
small edits, which are renames, and 1,000 unrelated titles, which must not pair); time and peak
memory of each step, in a fresh process per database.

python -m bench.import_roadmap
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

from bench.common import databases, print_table, reset_database, write_results

WORDS = [
    "api",
    "gateway",
    "billing",
    "search",
    "cache",
    "queue",
    "ledger",
    "audit",
    "deploy",
    "canary",
    "rollout",
    "metrics",
    "alerts",
    "tracing",
    "login",
    "session",
    "token",
    "invoice",
    "refund",
    "export",
    "import",
    "sync",
    "mobile",
    "desktop",
    "widget",
    "report",
    "dashboard",
    "index",
    "shard",
    "replica",
    "backup",
    "restore",
    "failover",
    "schema",
    "migration",
    "pipeline",
    "model",
    "training",
    "feature",
    "flag",
    "pricing",
    "onboarding",
    "checklist",
    "survey",
    "review",
    "budget",
    "hiring",
]
VERBS = [
    "Ship",
    "Build",
    "Migrate",
    "Harden",
    "Redesign",
    "Automate",
    "Launch",
    "Document",
    "Measure",
    "Simplify",
]


def _title(rng: random.Random, n: int) -> str:
    return f"{rng.choice(VERBS)} {' '.join(rng.sample(WORDS, 4))} {n}"


def documents(goals: int = 10_000, changed: int = 2_000) -> tuple[bytes, bytes, int]:
    """The document, the same with `changed` titles changed, and how many of those are edits."""
    rng = random.Random(19)
    titles = [_title(rng, n) for n in range(goals)]
    edited = list(titles)
    positions = rng.sample(range(goals), changed)
    renames = changed // 2
    for index in positions[:renames]:
        edited[index] = edited[index] + " (phase two)"  # a rename: same words and more
    for index in positions[renames:]:
        edited[index] = f"Unrelated initiative {index} for {rng.choice(WORDS)}"
    return _render(titles), _render(edited), renames


def _render(titles: list[str]) -> bytes:
    lines = ["# Benchmark Roadmap", ""]
    per_period, categories = 250, ("Platform", "Product", "Data", "Security", "People")
    for start in range(0, len(titles), per_period):
        year, quarter = 2026 + start // (per_period * 4), (start // per_period) % 4 + 1
        lines += [f"## Q{quarter} {year}", ""]
        chunk = titles[start : start + per_period]
        size = len(chunk) // len(categories)
        for position, category in enumerate(categories):
            lines += [f"### {category}"]
            lines += [f"- {t}" for t in chunk[position * size : (position + 1) * size]]
            lines.append("")
    lines += ["## Success Metrics", "", "### Technical Metrics", "- Uptime: 99.9% → 99.99%", ""]
    return "\n".join(lines).encode("utf-8")


def measure(url: str) -> dict:
    """Run the three imports in a fresh process so its peak memory is its own."""
    code = (
        "import resource, sys, time, json\n"
        "from bench.import_roadmap import documents\n"
        "from bot.db import create_db_engine, make_session_factory\n"
        "from bot.services.roadmap_import import import_roadmap\n"
        "from bot.services.workspaces import ensure_workspace\n"
        "doc, edited, renames = documents()\n"
        "engine = create_db_engine(sys.argv[1])\n"
        "factory = make_session_factory(engine)\n"
        "def run(text):\n"
        "    start = time.perf_counter()\n"
        "    with factory() as s, s.begin():\n"
        "        w = ensure_workspace(session=s, team_id='TBENCH00001')\n"
        "        r = import_roadmap(session=s, workspace_id=w.id, text=text)\n"
        "    return r, round(time.perf_counter() - start, 2)\n"
        "first, t1 = run(doc)\n"
        "again, t2 = run(doc)\n"
        "changed, t3 = run(edited)\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'goals': len(first.added), 'import_s': t1, 'reimport_s': t2,"
        " 'unchanged': len(again.unchanged), 'changed_s': t3, 'renames': len(changed.renames),"
        " 'expected_renames': renames, 'added': len(changed.added),"
        " 'peak_rss_mb': round(peak / 1024, 1), 'document_kb': round(len(doc) / 1024, 1)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    rows, runs = [], []
    for name, url in databases():
        reset_database(url)
        started = time.perf_counter()
        result = measure(url)
        result.update(database=name, wall_seconds=round(time.perf_counter() - started, 2))
        runs.append(result)
        rows.append(
            [name, result["goals"], result["document_kb"], result["import_s"],
             result["reimport_s"], result["changed_s"],
             f"{result['renames']} of {result['expected_renames']}", result["peak_rss_mb"]]
        )  # fmt: skip
    print_table(
        "Import of 10,000 goals; re-import unchanged; re-import with 2,000 titles changed",
        ["db", "goals", "doc KiB", "import s", "re-import s", "2,000 changed s",
         "renames found", "peak RSS MiB"],
        rows,
    )  # fmt: skip
    print(f"\nwrote {write_results('import', {'runs': runs})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
