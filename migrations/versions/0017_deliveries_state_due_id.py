"""deliveries: the claim's order, (state, due_at, id), in place of the (state, due_at) index.

A clock claims the earliest due deliveries in (due_at, id) order, a few at a time. With an
index on (state, due_at) only, PostgreSQL read every pending delivery due by now, joined each
to its schedule and workspace, and sorted them all to lock the first few: 5.7 ms a claim
while 1,000 digests waited, a fifth of the database's CPU in the fan-out. With the id in the
index the claim walks it in order and stops at the rows it locks (0.1-0.2 ms). The three
columns serve every lookup the two did.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_state_due_id", ["state", "due_at", "id"])
        batch_op.drop_index("ix_deliveries_state_due")


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_state_due", ["state", "due_at"])
        batch_op.drop_index("ix_deliveries_state_due_id")
