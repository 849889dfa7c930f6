"""inactive workspaces: Slack refused the bot's token

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inactive_since', models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('inactive_reason', sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Parked deliveries go back to the queue: the older code knows no such state.
    op.execute("UPDATE deliveries SET state = 'pending' WHERE state = 'parked'")
    if op.get_bind().dialect.name == "sqlite":
        # Not a batch copy: recreating `workspaces` would cascade-delete every row under it.
        op.execute("ALTER TABLE workspaces DROP COLUMN inactive_reason")
        op.execute("ALTER TABLE workspaces DROP COLUMN inactive_since")
        return
    op.drop_column('workspaces', 'inactive_reason')
    op.drop_column('workspaces', 'inactive_since')
