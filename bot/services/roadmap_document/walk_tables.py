"""The walk's tables: a metrics table, or a goals table under a period."""

from __future__ import annotations

from .annotations import status_and_note
from .builder import RoadmapBuilder, Scope
from .periods import heading_period
from .sections import metrics_kind
from .tables import Table, owner_handles, read_table


def on_table(builder: RoadmapBuilder, index: int) -> int:
    table = read_table(builder.tokens, index)
    owner = builder.nearest("period", "category", "metrics", "rituals", "goal", "ignored")
    kind = table.kind(in_metrics=owner is not None and owner.role == "metrics")
    if kind == "metrics":
        kind_of_metrics = owner.metrics_kind if owner is not None else None
        if owner is None or owner.role != "metrics":
            kind_of_metrics = metrics_kind(" ".join(table.headers))
        metrics_table(builder, table, kind_of_metrics)
    elif kind == "goals" and owner is not None and owner.period is not None:
        goals_table(builder, table, owner)
    else:
        builder.skip(
            table.line,
            f"table ({' | '.join(table.headers)[:80]}) is not a metrics or goals table"
            " under a period; skipped",
        )
    return table.end


def metrics_table(builder: RoadmapBuilder, table: Table, kind: str | None) -> None:
    for row in table.rows:
        name = row.plain.get("metric", "").strip()
        base, target = row.plain.get("baseline", ""), row.plain.get("target", "")
        text = f"{base} \u2192 {target}" if base and target else (target or base)
        builder.add_metric(name, kind, row.line, text.strip())


def goals_table(builder: RoadmapBuilder, table: Table, scope: Scope) -> None:
    for row in table.rows:
        raw = row.cells.get("title", "").strip()
        notes = owner_handles(row.plain.get("owner", ""))
        if row.plain.get("due", "").strip():
            notes.append("due " + row.plain["due"].strip())
        if row.plain.get("progress", "").strip():
            notes.append("progress " + row.plain["progress"].strip())
        status, note = status_and_note(row.plain.get("status", ""))
        note = note or row.plain.get("note", "").strip() or None
        if status:
            notes.append(f"status {status}")
        row_scope = scope
        found = heading_period(row.plain.get("period", ""))
        if found is not None and found.spec.problem is None:
            period = builder.period(found, row.line, row.plain["period"], again_ok=True)
            assert period is not None
            row_scope = Scope(0, "period", period, status=scope.status)
        category = None
        if row.plain.get("category", "").strip() and row_scope.period is not None:
            category = builder.category(row_scope.period, row.plain["category"].strip(), row.line)
        annotated = f"{raw} ({'; '.join(notes)})" if notes and raw else raw
        builder.add_goal(annotated, row_scope, row.line, category, note)
