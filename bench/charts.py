"""Charts: CPU time to draw the quarterly goals chart and metrics chart of the sample roadmap
with a quarter of history (examples/sample_history.py), median of several draws after a warm
one. The target is under 300 ms each (issue 18).

python -m bench.charts
"""

from __future__ import annotations

import importlib.util
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, print_table, write_results

DRAWS = 7
AS_OF = datetime(2025, 4, 1, 9, tzinfo=UTC)


def _sample_history():
    path = ROOT / "examples" / "sample_history.py"
    spec = importlib.util.spec_from_file_location("sample_history", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    from bot.db import create_db_engine, make_session_factory, migrate
    from bot.services.charts import draw, planned_charts
    from bot.services.digests import quarterly_digest

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'charts.db'}"
        migrate(url)
        engine = create_db_engine(url)
        with make_session_factory(engine)() as session:
            workspace = _sample_history().seed(session)
            session.commit()
            digest = quarterly_digest(
                session=session, workspace=workspace, period_label=None, now=AS_OF
            )
        engine.dispose()
    rows, results = [], {}
    for plan in planned_charts(digest):
        draw(plan, digest)  # warm: fonts and caches
        times = []
        for _ in range(DRAWS):
            started = time.process_time()
            draw(plan, digest)
            times.append((time.process_time() - started) * 1000)
        median = statistics.median(times)
        results[plan.kind] = {"median_cpu_ms": round(median, 1), "max_cpu_ms": round(max(times), 1)}
        rows.append(
            [plan.kind, f"{median:.0f}", f"{max(times):.0f}", "yes" if median < 300 else "no"]
        )
    print_table("Quarterly charts (CPU ms per draw)", ["chart", "median", "max", "< 300 ms"], rows)
    write_results("charts", {"draws": DRAWS, "charts": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
