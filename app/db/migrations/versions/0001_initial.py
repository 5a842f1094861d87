"""companies, users, providers, service locations, audit events

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("phone_region", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_companies_code")),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=50), nullable=False),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("credentials", sa.String(length=20), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_providers_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
    )
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_providers_company_id"), ["company_id"], unique=False)

    op.create_table(
        "service_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_service_locations_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_locations")),
    )
    with op.batch_alter_table("service_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_locations_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("user_id_key", sa.String(length=32), nullable=False),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("middle_initial", sa.String(length=1), nullable=False),
        sa.Column("last_name", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("home_phone", sa.String(length=20), nullable=False),
        sa.Column("home_ext", sa.String(length=10), nullable=False),
        sa.Column("work_phone", sa.String(length=20), nullable=False),
        sa.Column("work_ext", sa.String(length=10), nullable=False),
        sa.Column("other_phone", sa.String(length=20), nullable=False),
        sa.Column("other_ext", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("direct_email", sa.String(length=254), nullable=False),
        sa.Column("email_notify", sa.String(length=254), nullable=False),
        sa.Column("send_email_confirmations", sa.Boolean(), nullable=False),
        sa.Column("default_screen", sa.String(length=30), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("service_location_id", sa.Integer(), nullable=True),
        sa.Column("user_type", sa.String(length=10), nullable=False),
        sa.Column("outage_email", sa.String(length=254), nullable=False),
        sa.Column("outage_mobile", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("webservice_only", sa.Boolean(), nullable=False),
        sa.Column("login_locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_users_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["service_location_id"],
            ["service_locations.id"],
            name=op.f("fk_users_service_location_id_service_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("company_id", "user_id_key", name="uq_users_company_user_id_key"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_users_company_name", ["company_id", "last_name", "first_name"], unique=False
        )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_audit_events_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name=op.f("fk_audit_events_user_pk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_events_user_pk"), ["user_pk"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_user_pk"))
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))

    op.drop_table("audit_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_company_name")

    op.drop_table("users")
    with op.batch_alter_table("service_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_locations_company_id"))

    op.drop_table("service_locations")
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_providers_company_id"))

    op.drop_table("providers")
    op.drop_table("companies")
