"""pulse markers learn when their person was asked

The pulse reaches each roster member at the schedule's time in their own zone, so a round's
people are asked over a day rather than at once: `pulse_markers.asked_at` is claimed once per
person (nobody asked twice, whatever the clocks do), and a round stays open 3 days from the
last of them. Markers of rounds still open were all asked when their round opened.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pulse_markers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asked_at", models.base.UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE pulse_markers SET asked_at = "
        "(SELECT opened_at FROM pulse_rounds WHERE pulse_rounds.id = pulse_markers.round_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("pulse_markers", schema=None) as batch_op:
        batch_op.drop_column("asked_at")
