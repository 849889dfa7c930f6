"""metrics.measured_by: what measures a metric is stored on it, no longer guessed from its name
each time. Existing metrics get the source their name suggested until now (marked as chosen
from the name), or `prometheus` when a query is bound to them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:10:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The guess as the code made it at this revision (bot.services.measured_by may change later).
_GUESSES = (
    ("pulse", re.compile(r"\b(?:satisfaction|happiness|morale|pulse)\b", re.I)),
    ("roster", re.compile(r"\b(?:career|growth\s+plans?)\b", re.I)),
    ("checkins", re.compile(r"\binnovation\b", re.I)),
    ("goals", re.compile(r"\bcollaboration\b|\bcross[\s-]+team\b", re.I)),
    ("rituals", re.compile(r"\bknowledge[\s-]+shar", re.I)),
)
_TOOLS = re.compile(r"deploy|\bmttr\b|time[- ]to[- ](recover|restore|resolve)|recovery", re.I)


def _guess(name: str, key: str, aliases) -> str:
    for source, pattern in _GUESSES:
        if pattern.search(name) or pattern.search(key.replace("-", " ")):
            return source
    words = " ".join([key, name.lower(), *(str(a).lower() for a in aliases or [])])
    return "tools" if _TOOLS.search(words) else "manual"


def upgrade() -> None:
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("measured_by", sa.String(length=16), nullable=False, server_default="manual")
        )
        batch_op.add_column(
            sa.Column(
                "measured_by_guessed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    metrics = sa.table(
        "metrics",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("key", sa.String),
        sa.column("aliases", sa.JSON),
        sa.column("measured_by", sa.String),
        sa.column("measured_by_guessed", sa.Boolean),
    )
    bound = sa.table("metric_sources", sa.column("metric_id", sa.Integer))
    connection = op.get_bind()
    queried = {row.metric_id for row in connection.execute(sa.select(bound.c.metric_id))}
    rows = connection.execute(
        sa.select(metrics.c.id, metrics.c.name, metrics.c.key, metrics.c.aliases)
    ).all()
    for row in rows:
        if row.id in queried:
            values = {"measured_by": "prometheus", "measured_by_guessed": False}
        else:
            values = {
                "measured_by": _guess(row.name, row.key, row.aliases),
                "measured_by_guessed": True,
            }
        connection.execute(metrics.update().where(metrics.c.id == row.id).values(**values))
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.alter_column("measured_by", server_default=None)
        batch_op.alter_column("measured_by_guessed", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_column("measured_by_guessed")
        batch_op.drop_column("measured_by")
