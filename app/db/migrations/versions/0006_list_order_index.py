"""the user list's order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

The list is read in the order ORDER BY lower(last_name), lower(first_name), user_id_key
within one company. Without an index serving it, PostgreSQL sorted 100,000 rows on every fill
(spilling 7 MB to disk). PostgreSQL and SQLite index the expressions themselves; MariaDB
10.11 has no expression indexes (and its sort is a small part of its list query).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("postgresql", "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name not in INDEXED:
        return
    op.create_index(
        "ix_users_list_order",
        "users",
        [
            "company_id",
            sa.func.lower(sa.column("last_name")),
            sa.func.lower(sa.column("first_name")),
            "user_id_key",
        ],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name in INDEXED:
        op.drop_index("ix_users_list_order", table_name="users")
