"""team_members.joined_given: whether an admin gave the day someone joined the team
(`/roadmap team add @x joined 2024-05-13`), so count goals about new joiners count them even
when they were put on the roster on its first day. Existing members: not given (as before).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_given", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.alter_column("joined_given", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_column("joined_given")
