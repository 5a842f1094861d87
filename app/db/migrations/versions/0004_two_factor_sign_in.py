"""two-factor sign-in

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

The forgotten-password codes move to one_time_codes, which also holds sign-in and Direct
Email codes. Codes live ten minutes at most, so the old table is dropped, not copied: a
code mailed just before the upgrade is asked for again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_settings",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("api_url", sa.String(length=255), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_sms_settings_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_sms_settings")),
    )
    op.create_table(
        "two_factor_policies",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("default_for_users", sa.Integer(), nullable=False),
        sa.Column("excluded_networks", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_two_factor_policies_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_two_factor_policies")),
    )
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("tries_left", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name=op.f("fk_one_time_codes_user_pk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_codes")),
    )
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_one_time_codes_user_pk"), ["user_pk"], unique=False)

    op.create_table(
        "two_factor_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name=op.f("fk_two_factor_recovery_codes_user_pk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factor_recovery_codes")),
    )
    with op.batch_alter_table("two_factor_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_two_factor_recovery_codes_user_pk"), ["user_pk"], unique=False
        )

    # Dropping the table drops its index: MariaDB refuses to drop an index a foreign key uses.
    op.drop_table("recovery_codes")  # see the note above: codes are short-lived
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "two_factor_method", sa.String(length=10), server_default="none", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "two_factor_destination", sa.String(length=254), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("two_factor_setup", sa.String(length=10), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "authenticator_title", sa.String(length=64), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("two_factor_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("direct_email_verified_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("direct_email_verified_at")
        batch_op.drop_column("two_factor_confirmed_at")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_pending_secret")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("authenticator_title")
        batch_op.drop_column("two_factor_setup")
        batch_op.drop_column("two_factor_destination")
        batch_op.drop_column("two_factor_method")

    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("tries_left", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name=op.f("fk_recovery_codes_user_pk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_pk"), ["user_pk"], unique=False)

    op.drop_table("two_factor_recovery_codes")
    op.drop_table("one_time_codes")
    op.drop_table("two_factor_policies")
    op.drop_table("sms_settings")
