"""the practice's catalogs and the Sign Off, Fax, Resources and Templates sections

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

The practice's fax numbers, resources, SOAP note types, chart tabs, template categories and
templates become catalogs the company keeps (deactivated, never deleted), and each user gains
what the four workflow sections give them from those catalogs: the screens needing their
additional sign-off and where their sign-off tasks go, the fax boxes they see, the resources
they book, and the templates they may use with each chart tab's default. Users gain the
sign-off PIN (an argon2id hash), the sign-off flags and the two single defaults. Each company
starts with the usual note types and chart tabs, as a new company does.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a company starts with at this revision (app.catalogs.starting), written out: a
# migration never changes.
NOTE_TYPES = (
    "(Base)",
    "(Error)",
    "Hospital Note",
    "Office Note",
    "Procedure Note",
    "Surgery Note",
)
CHART_TABS = (
    "Orders",
    "Assessments",
    "Exams",
    "HPI",
    "ROS",
    "Patient History",
    "Treatment Plans",
    "Allergies",
    "Immunizations",
    "Letters",
)
MIGRATED_BY = "migration 0010"
USER_FLAGS = ("signoff_approval", "additional_signoff", "signoff_required")
USER_DEFAULTS = (("default_fax_number_id", "fax_numbers"), ("default_resource_id", "resources"))


def _entry(table: str, *columns: sa.Column[object]) -> list[sa.schema.SchemaItem]:
    """A catalog table: its own columns between what every catalog row has."""
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        *columns,
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f(f"fk_{table}_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _named(length: int = 60) -> list[sa.Column[object]]:
    return [
        sa.Column("name", sa.String(length), nullable=False),
        sa.Column("name_key", sa.String(length), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _link(
    table: str, right: tuple[str, str], *extra: sa.schema.SchemaItem, index: bool = True
) -> None:
    """A table of a user's choices: user_pk and the catalog row (``right``: column, table)."""
    column, target = right
    op.create_table(
        table,
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        *extra,
        _fk(table, "user_pk", "users"),
        _fk(table, column, target),
        sa.PrimaryKeyConstraint("user_pk", column, name=op.f(f"pk_{table}")),
    )
    if index:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "fax_numbers",
        *_entry(
            "fax_numbers",
            sa.Column("number", sa.String(20), nullable=False),
            sa.Column("label", sa.String(60), server_default="", nullable=False),
        ),
        sa.UniqueConstraint("company_id", "number", name="uq_fax_numbers_company_number"),
    )
    op.create_table(
        "resources",
        *_entry("resources", *_named(), sa.Column("kind", sa.String(10), nullable=False)),
        sa.UniqueConstraint("company_id", "name_key", name="uq_resources_company_name"),
    )
    for table in ("note_types", "chart_tabs"):
        op.create_table(
            table,
            *_entry(table, *_named(), sa.Column("position", sa.Integer(), nullable=False)),
            sa.UniqueConstraint("company_id", "name_key", name=f"uq_{table}_company_name"),
        )
    op.create_table(
        "template_categories",
        *_entry(
            "template_categories",
            sa.Column("chart_tab_id", sa.Integer(), nullable=False),
            *_named(),
        ),
        _fk("template_categories", "chart_tab_id", "chart_tabs"),
        sa.UniqueConstraint("chart_tab_id", "name_key", name="uq_template_categories_tab_name"),
    )
    op.create_table(
        "templates",
        *_entry(
            "templates",
            sa.Column("chart_tab_id", sa.Integer(), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False),
            *_named(100),
        ),
        _fk("templates", "chart_tab_id", "chart_tabs"),
        _fk("templates", "category_id", "template_categories"),
        sa.UniqueConstraint("category_id", "name_key", name="uq_templates_category_name"),
    )
    op.create_index("ix_templates_company_tab", "templates", ["company_id", "chart_tab_id"])
    _link(
        "user_signoff_screens",
        ("note_type_id", "note_types"),
        sa.Column("choice", sa.String(10), nullable=False),
    )
    _link("user_signoff_recipients", ("recipient_pk", "users"))
    _link("user_inbound_faxes", ("fax_number_id", "fax_numbers"))
    _link("user_resources", ("resource_id", "resources"))
    _link("user_templates", ("template_id", "templates"))
    op.create_table(
        "user_default_templates",
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("chart_tab_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        _fk("user_default_templates", "user_pk", "users"),
        _fk("user_default_templates", "chart_tab_id", "chart_tabs"),
        _fk("user_default_templates", "template_id", "templates"),
        sa.PrimaryKeyConstraint("user_pk", "chart_tab_id", name=op.f("pk_user_default_templates")),
    )
    op.create_index(
        op.f("ix_user_default_templates_template_id"), "user_default_templates", ["template_id"]
    )
    op.add_column("users", sa.Column("signoff_pin_hash", sa.String(255), nullable=True))
    for flag in USER_FLAGS:
        op.add_column(
            "users", sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    for column, target in USER_DEFAULTS:
        constraint = op.f(f"fk_users_{column}_{target}")
        if op.get_bind().dialect.name == "sqlite":
            # SQLite declares a new column's foreign key only inside the ADD COLUMN itself.
            op.execute(
                f"ALTER TABLE users ADD COLUMN {column} INTEGER CONSTRAINT {constraint} "
                f"REFERENCES {target} (id)"
            )
        else:
            op.add_column("users", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(constraint, "users", target, [column], ["id"])
    _starting_catalogs()


def _starting_catalogs() -> None:
    """Each company's usual note types and chart tabs, in the order they are shown."""
    bind = op.get_bind()
    companies = sa.table("companies", sa.column("id", sa.Integer()))
    now = datetime.now(UTC).replace(tzinfo=None)
    for table, names in (("note_types", NOTE_TYPES), ("chart_tabs", CHART_TABS)):
        rows = sa.table(
            table,
            *(
                sa.column(name)
                for name in (
                    "company_id",
                    "name",
                    "name_key",
                    "position",
                    "active",
                    "updated_at",
                    "updated_by",
                    "version",
                )
            ),
        )
        for (company_id,) in bind.execute(sa.select(companies.c.id)).all():
            bind.execute(
                rows.insert(),
                [
                    {
                        "company_id": company_id,
                        "name": name,
                        "name_key": name.casefold(),
                        "position": position,
                        "active": True,
                        "updated_at": now,
                        "updated_by": MIGRATED_BY,
                        "version": 1,
                    }
                    for position, name in enumerate(names)
                ],
            )


def downgrade() -> None:
    for column, target in reversed(USER_DEFAULTS):
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(op.f(f"fk_users_{column}_{target}"), "users", type_="foreignkey")
        op.drop_column("users", column)
    for flag in reversed(USER_FLAGS):
        op.drop_column("users", flag)
    op.drop_column("users", "signoff_pin_hash")
    for table in (
        "user_default_templates",
        "user_templates",
        "user_resources",
        "user_inbound_faxes",
        "user_signoff_recipients",
        "user_signoff_screens",
        "templates",
        "template_categories",
        "chart_tabs",
        "note_types",
        "resources",
        "fax_numbers",
    ):
        op.drop_table(table)
