"""The practice's catalogs (issue 14) and what each user was given from them.

A catalog entry (a fax number, a resource, a SOAP note type, a chart tab, a template category,
a template) belongs to the company and is shared by all its users. It is deactivated, never
deleted: users who have it keep a readable record, and it cannot be newly chosen
(app.catalogs). The practice's other programs read these tables: which templates a user may
use, where their sign-off tasks go, which fax boxes they see, which resources they book.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.db.base import Base
from app.db.column_types import UTCDateTime


class CatalogEntry:
    """What every catalog row has: its company, whether it may be newly chosen, and who last
    changed it, at which version (two workstations editing one entry meet a conflict)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # a declarative directive
        return {"version_id_col": cls.version}


class FaxNumber(CatalogEntry, Base):
    """One of the practice's fax lines: stored in E.164, once per company."""

    __tablename__ = "fax_numbers"
    __table_args__ = (
        UniqueConstraint("company_id", "number", name="uq_fax_numbers_company_number"),
    )

    number: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(60), default="", server_default="")


class Resource(CatalogEntry, Base):
    """A provider, room or machine that appointments book (app.db.kinds.ResourceKind)."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("company_id", "name_key", name="uq_resources_company_name"),)

    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))  # case-folded: one rule on every database
    kind: Mapped[str] = mapped_column(String(10))


class NoteType(CatalogEntry, Base):
    """A screen or SOAP note type that may need an additional sign-off: (Base), (Error),
    Office Note, ... and whatever the practice adds."""

    __tablename__ = "note_types"
    __table_args__ = (
        UniqueConstraint("company_id", "name_key", name="uq_note_types_company_name"),
    )

    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)


class ChartTab(CatalogEntry, Base):
    """A tab of the patient chart that has templates: Orders, Assessments, Exams, HPI, ..."""

    __tablename__ = "chart_tabs"
    __table_args__ = (
        UniqueConstraint("company_id", "name_key", name="uq_chart_tabs_company_name"),
    )

    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)


class TemplateCategory(CatalogEntry, Base):
    """A heading that groups one chart tab's templates."""

    __tablename__ = "template_categories"
    __table_args__ = (
        UniqueConstraint("chart_tab_id", "name_key", name="uq_template_categories_tab_name"),
    )

    chart_tab_id: Mapped[int] = mapped_column(ForeignKey("chart_tabs.id"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))


class Template(CatalogEntry, Base):
    """A chart template, under one category of one chart tab (the tab is kept on the row too,
    so a tab's templates are one indexed read)."""

    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("category_id", "name_key", name="uq_templates_category_name"),
        Index("ix_templates_company_tab", "company_id", "chart_tab_id"),
    )

    chart_tab_id: Mapped[int] = mapped_column(ForeignKey("chart_tabs.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("template_categories.id"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))


# What each user was given. A row per choice; a user's defaults that are single values (the
# outbound fax number, the mobile resource) are columns of users.


class UserSignoffScreen(Base):
    """A screen or note type whose notes need this user's additional sign-off; a note type
    without a row is Never (app.db.kinds.ScreenSignoff)."""

    __tablename__ = "user_signoff_screens"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    note_type_id: Mapped[int] = mapped_column(
        ForeignKey("note_types.id"), primary_key=True, index=True
    )
    choice: Mapped[str] = mapped_column(String(10))


class UserSignoffRecipient(Base):
    """A user this user's sign-off tasks are sent to."""

    __tablename__ = "user_signoff_recipients"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    recipient_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class UserInboundFax(Base):
    """A practice fax number whose inbox and sent box this user sees."""

    __tablename__ = "user_inbound_faxes"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    fax_number_id: Mapped[int] = mapped_column(
        ForeignKey("fax_numbers.id"), primary_key=True, index=True
    )


class UserResource(Base):
    """A resource this user books and works with."""

    __tablename__ = "user_resources"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id"), primary_key=True, index=True
    )


class UserTemplate(Base):
    """A chart template this user may use."""

    __tablename__ = "user_templates"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("templates.id"), primary_key=True, index=True
    )


class UserDefaultTemplate(Base):
    """The template a chart tab opens with for this user: one of the templates they may use."""

    __tablename__ = "user_default_templates"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    chart_tab_id: Mapped[int] = mapped_column(ForeignKey("chart_tabs.id"), primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id"), index=True)
