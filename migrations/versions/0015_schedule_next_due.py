"""schedules.planned_until and schedules.next_due_at: the planner's watermark in a column of
its own (it was a key of `options`, rewritten for every schedule on every tick), and the next
instant anything of the schedule can come due, so a tick reads only the schedules due by now.
Existing schedules keep their watermark and are all looked at on the first tick.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

schedules = sa.table(
    "schedules",
    sa.column("id", sa.Integer),
    sa.column("options", sa.JSON),
    sa.column("planned_until", models.base.UTCDateTime()),
)


def _instant(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("planned_until", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_due_at", models.base.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_schedules_next_due_at", ["next_due_at"])
    connection = op.get_bind()
    for schedule_id, options in connection.execute(sa.select(schedules.c.id, schedules.c.options)):
        options = dict(options or {})
        watermark = options.pop("planned_until", None)
        if watermark is None:
            continue
        connection.execute(
            schedules.update()
            .where(schedules.c.id == schedule_id)
            .values(options=options, planned_until=_instant(watermark))
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(schedules.c.id, schedules.c.options, schedules.c.planned_until).where(
            schedules.c.planned_until.is_not(None)
        )
    ).all()
    for schedule_id, options, watermark in rows:
        connection.execute(
            schedules.update()
            .where(schedules.c.id == schedule_id)
            .values(options={**(options or {}), "planned_until": watermark.isoformat()})
        )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_next_due_at")
        batch_op.drop_column("next_due_at")
        batch_op.drop_column("planned_until")
