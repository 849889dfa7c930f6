"""ritual occurrences: ritual_sessions becomes ritual_occurrences, session_date occurrence_date

"Session" means the database session and nothing else: a knowledge-sharing session or a
retrospective is an occurrence of its ritual. The rows are kept; the table, its date column,
and its constraints and index (named by models.base.NAMING_CONVENTION) are renamed.

PostgreSQL renames in place. SQLite renames the table, then rebuilds it (batch mode) to
rename the column and the named constraints, which SQLite cannot rename.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _names(table: str, date_column: str) -> dict[str, str]:
    """The names models.base.NAMING_CONVENTION gives this table's constraints and index."""
    return {
        "pk": f"pk_{table}",
        "uq": f"uq_{table}_schedule_id_{date_column}",
        "fk_schedule": f"fk_{table}_schedule_id_schedules",
        "fk_workspace": f"fk_{table}_workspace_id_workspaces",
        "ix": f"ix_{table}_workspace_id",
    }


OLD = ("ritual_sessions", "session_date")
NEW = ("ritual_occurrences", "occurrence_date")


def upgrade() -> None:
    _rename(OLD, NEW)


def downgrade() -> None:
    _rename(NEW, OLD)


def _rename(old: tuple[str, str], new: tuple[str, str]) -> None:
    (old_table, old_date), (new_table, new_date) = old, new
    before, after = _names(*old), _names(*new)
    if op.get_bind().dialect.name == "postgresql":
        op.rename_table(old_table, new_table)
        op.alter_column(new_table, old_date, new_column_name=new_date)
        for key in ("pk", "uq", "fk_schedule", "fk_workspace"):
            op.execute(
                f'ALTER TABLE {new_table} RENAME CONSTRAINT "{before[key]}" TO "{after[key]}"'
            )
        op.execute(f'ALTER INDEX "{before["ix"]}" RENAME TO "{after["ix"]}"')
        op.execute(f'ALTER SEQUENCE IF EXISTS "{old_table}_id_seq" RENAME TO "{new_table}_id_seq"')
        return
    op.rename_table(old_table, new_table)
    # Two rebuilds: batch mode loses a unique constraint created in the same rebuild that
    # renames one of its columns.
    with op.batch_alter_table(new_table, recreate="always") as batch_op:
        batch_op.drop_index(before["ix"])
        batch_op.drop_constraint(before["uq"], type_="unique")
        batch_op.drop_constraint(before["fk_schedule"], type_="foreignkey")
        batch_op.drop_constraint(before["fk_workspace"], type_="foreignkey")
        batch_op.drop_constraint(before["pk"], type_="primary")
        batch_op.alter_column(old_date, new_column_name=new_date)
    with op.batch_alter_table(new_table, recreate="always") as batch_op:
        batch_op.create_primary_key(after["pk"], ["id"])
        batch_op.create_unique_constraint(after["uq"], ["schedule_id", new_date])
        batch_op.create_foreign_key(
            after["fk_schedule"], "schedules", ["schedule_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_foreign_key(
            after["fk_workspace"], "workspaces", ["workspace_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(after["ix"], ["workspace_id"], unique=False)
