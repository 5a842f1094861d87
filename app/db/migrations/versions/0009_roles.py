"""roles, user groups, departments and EPCS

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

A user's rights came from one fixed column, users.setup_role (Administrator or Front Desk).
Rights now live on roles the practice edits, given to users directly or through user groups:
each company gains the two built-in roles with the rights they had (Administrator: every
right), every user keeps their role as a user_roles row, and the column goes, so that one
place says who holds what. Users gain a department and the EPCS permission; providers gain
their DEA registration and state licence; EPCS grants wait for a second person in
epcs_requests.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalog's keys at this revision (app.rights), written out: a migration never changes.
EVERY_RIGHT = (
    "user_setup.view_users",
    "user_setup.edit_users",
    "user_setup.reset_passwords",
    "user_setup.two_factor",
    "user_setup.login_times",
    "user_setup.edit_roles",
    "user_setup.edit_groups",
    "user_setup.company_settings",
    "security.view_audit_log",
    "security.manage_alerts",
    "self.change_password",
    "self.two_factor",
    "epcs.enroller",
    "epcs.approver",
    "practice.schedule_view",
    "practice.schedule_edit",
    "practice.patient_registration",
    "practice.chart_view",
    "practice.chart_edit",
    "practice.cosign_notes",
    "practice.lab_results",
    "practice.prescribe",
    "practice.documents",
    "practice.portal_messages",
    "practice.billing_view",
    "practice.billing_edit",
    "practice.reports",
)
BUILT_IN = (
    # (built_in, name, the old setup_role value, description, rights)
    (
        "administrator",
        "Administrator",
        "Administrator",
        "Every right, always.",
        EVERY_RIGHT,
    ),
    (
        "front_desk",
        "Front Desk",
        "Front Desk",
        "Finds users, resets passwords and unlocks users who hold no User Setup right.",
        (
            "user_setup.view_users",
            "user_setup.reset_passwords",
            "self.change_password",
            "self.two_factor",
        ),
    ),
)
MIGRATED_BY = "migration 0009"


def _stamp() -> list[sa.Column[object]]:
    return [
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _named(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("name_key", sa.String(60), nullable=False),
    ]


def _named_constraints(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f(f"fk_{table}_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("company_id", "name_key", name=f"uq_{table}_company_name"),
    ]


def _link(table: str, left: tuple[str, str], right: tuple[str, str], index: str) -> None:
    """A table of pairs (left column → its table, right column → its table)."""
    (lcol, ltable), (rcol, rtable) = left, right
    op.create_table(
        table,
        sa.Column(lcol, sa.Integer(), nullable=False),
        sa.Column(rcol, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint([lcol], [f"{ltable}.id"], name=op.f(f"fk_{table}_{lcol}_{ltable}")),
        sa.ForeignKeyConstraint([rcol], [f"{rtable}.id"], name=op.f(f"fk_{table}_{rcol}_{rtable}")),
        sa.PrimaryKeyConstraint(lcol, rcol, name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_{index}"), table, [index])


def upgrade() -> None:
    op.create_table(
        "roles",
        *_named("roles"),
        sa.Column("description", sa.String(255), server_default="", nullable=False),
        sa.Column("built_in", sa.String(20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamp(),
        *_named_constraints("roles"),
    )
    op.create_table(
        "role_rights",
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("right", sa.String(60), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_role_rights_role_id_roles")
        ),
        sa.PrimaryKeyConstraint("role_id", "right", name=op.f("pk_role_rights")),
    )
    _link("user_roles", ("user_pk", "users"), ("role_id", "roles"), "role_id")
    op.create_table(
        "user_groups",
        *_named("user_groups"),
        sa.Column("description", sa.String(255), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamp(),
        *_named_constraints("user_groups"),
    )
    _link("group_roles", ("group_id", "user_groups"), ("role_id", "roles"), "role_id")
    _link("group_members", ("group_id", "user_groups"), ("user_pk", "users"), "user_pk")
    op.create_table(
        "departments",
        *_named("departments"),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_stamp(),
        *_named_constraints("departments"),
    )
    op.create_table(
        "role_settings",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("base_role_id", sa.Integer(), nullable=True),
        *_stamp(),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_role_settings_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["base_role_id"], ["roles.id"], name=op.f("fk_role_settings_base_role_id_roles")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_role_settings")),
    )
    op.create_table(
        "epcs_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_by_pk", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_pk", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(100), server_default="", nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(255), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_epcs_requests_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["user_pk"], ["users.id"], name=op.f("fk_epcs_requests_user_pk_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_pk"], ["users.id"], name=op.f("fk_epcs_requests_requested_by_pk_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_pk"], ["users.id"], name=op.f("fk_epcs_requests_decided_by_pk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcs_requests")),
    )
    for column in ("company_id", "user_pk", "status"):
        op.create_index(op.f(f"ix_epcs_requests_{column}"), "epcs_requests", [column])
    op.add_column(
        "providers", sa.Column("dea_number", sa.String(9), server_default="", nullable=False)
    )
    op.add_column("providers", sa.Column("dea_expires_on", sa.Date(), nullable=True))
    op.add_column(
        "providers", sa.Column("state_license", sa.String(30), server_default="", nullable=False)
    )
    op.add_column(
        "users", sa.Column("epcs_allowed", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite declares a new column's foreign key only inside the ADD COLUMN itself (Alembic
        # would remake the table, which the tables pointing at users refuse).
        op.execute(
            "ALTER TABLE users ADD COLUMN department_id INTEGER CONSTRAINT "
            "fk_users_department_id_departments REFERENCES departments (id)"
        )
    else:
        op.add_column("users", sa.Column("department_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_users_department_id_departments"),
            "users",
            "departments",
            ["department_id"],
            ["id"],
        )
    _built_in_roles()
    op.drop_column("users", "setup_role")


def _built_in_roles() -> None:
    """Each company's two built-in roles, and every user's old role as a user_roles row."""
    bind = op.get_bind()
    companies = sa.table("companies", sa.column("id", sa.Integer()))
    roles = sa.table(
        "roles",
        sa.column("id", sa.Integer()),
        sa.column("company_id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("description", sa.String()),
        sa.column("built_in", sa.String()),
        sa.column("active", sa.Boolean()),
        sa.column("updated_at", sa.DateTime()),
        sa.column("updated_by", sa.String()),
        sa.column("version", sa.Integer()),
    )
    role_rights = sa.table(
        "role_rights", sa.column("role_id", sa.Integer()), sa.column("right", sa.String())
    )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("company_id", sa.Integer()),
        sa.column("setup_role", sa.String()),
    )
    user_roles = sa.table(
        "user_roles", sa.column("user_pk", sa.Integer()), sa.column("role_id", sa.Integer())
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    for (company_id,) in bind.execute(sa.select(companies.c.id)).all():
        for built_in, name, old_value, description, rights in BUILT_IN:
            bind.execute(
                roles.insert().values(
                    company_id=company_id,
                    name=name,
                    name_key=name.casefold(),
                    description=description,
                    built_in=built_in,
                    active=True,
                    updated_at=now,
                    updated_by=MIGRATED_BY,
                    version=1,
                )
            )
            role_id = bind.execute(
                sa.select(roles.c.id).where(
                    roles.c.company_id == company_id, roles.c.built_in == built_in
                )
            ).scalar_one()
            bind.execute(role_rights.insert(), [{"role_id": role_id, "right": r} for r in rights])
            bind.execute(
                user_roles.insert().from_select(
                    ["user_pk", "role_id"],
                    sa.select(users.c.id, sa.literal(role_id)).where(
                        users.c.company_id == company_id, users.c.setup_role == old_value
                    ),
                )
            )


def downgrade() -> None:
    op.add_column("users", sa.Column("setup_role", sa.String(20), nullable=True))
    bind = op.get_bind()
    for built_in, _name, old_value, _description, _rights in reversed(BUILT_IN):
        # A user with both built-in roles keeps the stronger one (Administrator, done last).
        for_role = sa.text(
            "SELECT ur.user_pk FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
            "WHERE r.built_in = :built_in"
        ).bindparams(built_in=built_in)
        pks = [row[0] for row in bind.execute(for_role)]
        if pks:
            bind.execute(
                sa.text("UPDATE users SET setup_role = :value WHERE id IN :pks").bindparams(
                    sa.bindparam("pks", expanding=True), value=old_value, pks=pks
                )
            )
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_users_department_id_departments"), "users", type_="foreignkey")
    op.drop_column("users", "department_id")
    op.drop_column("users", "epcs_allowed")
    for column in ("state_license", "dea_expires_on", "dea_number"):
        op.drop_column("providers", column)
    for table in (
        "epcs_requests",
        "role_settings",
        "departments",
        "group_members",
        "group_roles",
        "user_groups",
        "user_roles",
        "role_rights",
        "roles",
    ):
        op.drop_table(table)
