"""deliveries: one index on (workspace_id, state, due_at) in place of the one on workspace_id.

A digest asks when the workspace's last digest was sent. With only (state, due_at) and
(workspace_id) to choose from, PostgreSQL planned it on (state, due_at) whenever its
statistics were those of a table whose rows had just arrived, and walked every workspace's
sent deliveries for each digest: a 1,000-workspace fan-out spent most of the database's CPU
there. The composite index answers it from the workspace's own rows, and its first column
serves every lookup by workspace the old index did.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_workspace_state_due", ["workspace_id", "state", "due_at"]
        )
        batch_op.drop_index("ix_deliveries_workspace_id")


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_workspace_id", ["workspace_id"])
        batch_op.drop_index("ix_deliveries_workspace_state_due")
