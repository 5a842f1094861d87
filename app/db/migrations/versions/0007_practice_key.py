"""the practice key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Authenticator keys are sealed with a practice key kept outside the database, so their columns
widen; recovery codes become keyed hashes, and each row says whether it is one yet. The rows
from before keep working as they are until the practice's key is made, which seals them
(app.practice.practice_key.seal_readable_secrets): a migration never sees the key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("check_value", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_key")),
    )
    _key_columns(sa.String(200), sa.String(64))
    op.add_column(
        "two_factor_recovery_codes",
        sa.Column("keyed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("two_factor_recovery_codes") as batch:
        batch.drop_column("keyed")
    _key_columns(sa.String(64), sa.String(200))
    op.drop_table("practice_key")


def _key_columns(type_: sa.String, existing: sa.String) -> None:
    """Give the two key columns ``type_``. SQLite remakes the table to do so, and a table it
    remakes from what it reflects would lose the list's expression index: that index is
    dropped first and made again after."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("ix_users_list_order", table_name="users")
    with op.batch_alter_table("users") as batch:
        for column in ("totp_secret", "totp_pending_secret"):
            batch.alter_column(column, type_=type_, existing_type=existing, existing_nullable=True)
    if sqlite:
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
