"""sign-in: roles, lockout, temporary passwords, history, policy

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "password_policies",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("min_length", sa.Integer(), nullable=False),
        sa.Column("min_length_two_factor", sa.Integer(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("block_common", sa.Boolean(), nullable=False),
        sa.Column("block_personal", sa.Boolean(), nullable=False),
        sa.Column("history", sa.Integer(), nullable=False),
        sa.Column("require_alphanumeric", sa.Boolean(), nullable=False),
        sa.Column("max_age_days", sa.Integer(), nullable=False),
        sa.Column("temporary_hours", sa.Integer(), nullable=False),
        sa.Column("allow_typed_temporary", sa.Boolean(), nullable=False),
        sa.Column("lockout_after", sa.Integer(), nullable=False),
        sa.Column("unlock_after_minutes", sa.Integer(), nullable=False),
        sa.Column("idle_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_password_policies_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_password_policies")),
    )
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name=op.f("fk_password_history_user_pk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_history")),
    )
    with op.batch_alter_table("password_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_history_user_pk"), ["user_pk"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("setup_role", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("temporary_expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("temporary_expires_at")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("locked_at")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("setup_role")

    with op.batch_alter_table("password_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_history_user_pk"))

    op.drop_table("password_history")
    op.drop_table("password_policies")
