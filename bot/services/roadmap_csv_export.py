"""The CSV export: one table, a row per goal, metric, reading and check-in, then the records
of roadmap_csv_records (schedules, the team, the roadmap, the workspace); `record` says which.
roadmap_csv reads it back."""

from __future__ import annotations

import csv
import io

from bot.services.partners import as_text
from bot.services.roadmap_csv_records import COLUMNS as CSV_RECORD_COLUMNS
from bot.services.roadmap_csv_records import goal_options, metric_options
from bot.services.roadmap_csv_records import rows as record_rows
from bot.services.roadmap_export import Snapshot, target_json
from bot.services.typed_values import typed_value

CSV_COLUMNS = [
    "record",
    "ref",
    "title",
    "period",
    "category",
    "status",
    "progress",
    "owners",
    "due",
    "value",  # as a person types it: "30%", "200 ms", ">=99.99%"
    "user",
    "note",
    "at",
    "cycle",
    "partners",
    "source",
    *CSV_RECORD_COLUMNS,  # schedules, the team, the roadmap and the workspace
]


def to_csv(snapshot: Snapshot) -> str:
    """One table: a row per goal, then per metric reading and per check-in, then schedules, the
    team, the roadmap and the workspace (`record` says which)."""
    periods = {p.id: p.label for p in snapshot.periods}
    refs = {g.id: g.ref for g in snapshot.goals}
    metric_keys = {m.id: m.key for m in snapshot.metrics}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for g in snapshot.goals:
        writer.writerow(
            {
                "record": "goal",
                "ref": g.ref,
                "title": g.title,
                "period": periods[g.period_id],
                "category": snapshot.categories[g.category_id].name,
                "status": g.status,
                "note": g.status_note or "",
                "progress": f"{g.progress}%",
                "owners": " ".join(snapshot.owner_text(o.owner) for o in g.owners),
                "due": g.due_date.isoformat() if g.due_date else "",
                "value": typed_value(g.target_value, g.target_unit, g.target_comparator),
                "partners": as_text(snapshot.partners.get(g.id, [])),
                "options": goal_options(target_json(g, metric_keys)),
            }
        )
    for m in snapshot.metrics:
        writer.writerow(
            {
                "record": "metric",
                "title": m.name,
                "value": typed_value(m.target, m.unit, m.comparator),
                "note": m.text or "",
                "source": m.measured_by,
                "options": metric_options(m),
            }
        )
        for r in snapshot.readings.get(m.id, []):
            writer.writerow(
                {
                    "record": "reading",
                    "title": m.name,
                    "value": typed_value(r.value, m.unit),
                    "user": r.user_id or "",
                    "note": r.note or "",
                    "at": r.recorded_at.isoformat(),
                    "source": r.source,
                }
            )
    for c in snapshot.checkins:
        if c.goal_id not in refs:
            continue
        writer.writerow(
            {
                "record": "checkin",
                "ref": refs[c.goal_id],
                "status": c.status or "",
                "progress": "" if c.progress is None else f"{c.progress}%",
                "user": c.user_id,
                "note": c.note or "",
                "at": c.updated_at.isoformat(),
                "cycle": c.cycle,
            }
        )
    writer.writerows(record_rows(snapshot))
    return out.getvalue()
