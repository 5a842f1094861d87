"""the practice key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Authenticator keys are sealed with a practice key kept outside the database, so their columns
widen (on the servers: SQLite keeps any length); recovery codes become keyed hashes, and each
row says whether it is one yet. The rows from before keep working as they are until the
practice's key is made, which seals them (app.practice.practice_key.seal_readable_secrets):
a migration never sees the key.
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
    if op.get_bind().execute(sa.text("SELECT COUNT(*) FROM practice_key")).scalar():
        # Checked before any change (and by env.py before any later revision's step:
        # MariaDB commits each ALTER, so a refusal halfway would leave neither version).
        raise RuntimeError(
            "This database's authenticator keys are sealed with its practice key, which the "
            "earlier version cannot open: it cannot go back to it."
        )
    _key_columns(sa.String(64), sa.String(200))
    op.drop_column("two_factor_recovery_codes", "keyed")
    op.drop_table("practice_key")


def _key_columns(type_: sa.String, existing: sa.String) -> None:
    """Give the two key columns ``type_``. SQLite is left as it is: it keeps text of any length
    whatever the declared one, and changing a declared type means remaking the table, which
    its foreign keys (audit events, recovery codes) refuse."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in ("totp_secret", "totp_pending_secret"):
        op.alter_column(
            "users", column, type_=type_, existing_type=existing, existing_nullable=True
        )
