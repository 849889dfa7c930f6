"""Import: the sample roadmap repeated to 3,600 goals (100 years of it), time and peak memory.

python -m bench.import_roadmap
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from bench.common import SAMPLE, databases, print_table, reset_database, write_results


def big_document(copies: int = 100) -> bytes:
    """The sample's periods repeated with successive years; the metrics once."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, rest = text.split("## Q1 2025 Goals", 1)
    periods, metrics = rest.split("## Success Metrics", 1)
    periods = "## Q1 2025 Goals" + periods
    body = [re.sub(r"2025", str(2025 + n), periods) for n in range(copies)]
    return (head + "".join(body) + "## Success Metrics" + metrics).encode("utf-8")


def measure(url: str) -> dict:
    """Run the import in a fresh process so its peak memory is its own."""
    code = (
        "import resource, sys, time, json\n"
        "from bench.import_roadmap import big_document\n"
        "from bot.db import create_db_engine, make_session_factory\n"
        "from bot.services.roadmap_import import import_roadmap\n"
        "from bot.services.workspaces import ensure_workspace\n"
        "doc = big_document()\n"
        "engine = create_db_engine(sys.argv[1])\n"
        "factory = make_session_factory(engine)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "start = time.perf_counter()\n"
        "with factory() as s, s.begin():\n"
        "    w = ensure_workspace(session=s, team_id='TBENCH00001')\n"
        "    r = import_roadmap(session=s, workspace_id=w.id, text=doc)\n"
        "first = time.perf_counter() - start\n"
        "start = time.perf_counter()\n"
        "with factory() as s, s.begin():\n"
        "    w = ensure_workspace(session=s, team_id='TBENCH00001')\n"
        "    again = import_roadmap(session=s, workspace_id=w.id, text=doc)\n"
        "second = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'goals': len(r.added), 'seconds': round(first, 2),"
        " 'reimport_seconds': round(second, 2), 'unchanged': len(again.unchanged),"
        " 'peak_rss_mb': round(peak / 1024, 1), 'rss_before_mb': round(before / 1024, 1),"
        " 'document_kb': round(len(doc) / 1024, 1)}))\n"
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
            [name, result["goals"], result["document_kb"], result["seconds"],
             result["reimport_seconds"], result["peak_rss_mb"]]
        )  # fmt: skip
    print_table(
        "Import of the sample repeated to 3,600 goals",
        ["db", "goals", "doc KiB", "import s", "re-import s", "peak RSS MiB"],
        rows,
    )
    print(f"\nwrote {write_results('import', {'runs': runs})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
