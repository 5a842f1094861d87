"""The Templates section: for each chart tab of the practice, the templates the user may use
(grouped by category) and the one the tab opens with.

The rules and the statements are in app.catalogs.user_templates: one read for the whole
section, whatever the number of templates; a newly checked template must be usable (it, its
category and its tab active); a tab's default is one of the templates checked for it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from sqlalchemy.orm.attributes import flag_modified

from app.access import Right
from app.audit import Action
from app.catalogs.user_templates import (
    TabItem,
    TemplatesChecked,
    TemplatesEdit,
    UserTemplates,
    check_templates,
    read_user_templates,
    store_templates,
)
from app.db.models import User
from app.sections.base import Copied, Section, SectionSaved, Target
from app.users.records import record_of
from app.users.writer import UserWriter
from app.workplace import Work


def _carried_tab(tab: TabItem) -> TabItem:
    """A tab as a copy takes it: the usable templates checked, and the default if usable."""
    categories = tuple(
        replace(c, templates=tuple(t for t in c.templates if t.usable or not t.granted))
        for c in tab.categories
    )
    usable = {t.id for c in categories for t in c.templates if t.granted}
    default = tab.default_id if tab.default_id in usable else None
    return replace(tab, categories=categories, default_id=default)


class TemplatesSection(Section[UserTemplates, TemplatesEdit, TemplatesChecked]):
    key: ClassVar[str] = "templates"
    title: ClassVar[str] = "Templates"
    order: ClassVar[int] = 70
    icon: ClassVar[str] = ""  # no toolbar button: the toolbar is full at 1024 px
    tooltip: ClassVar[str] = "The chart templates the selected user may use, tab by tab"
    edit_right: ClassVar[Right] = Right.EDIT_USERS

    def load(self, work: Work, user: User) -> UserTemplates:
        """One statement, however many templates the practice keeps."""
        return read_user_templates(work.session, work.company.id, user.id)

    def blank(self, work: Work) -> UserTemplates:
        return read_user_templates(work.session, work.company.id, None)

    def copy(self, work: Work, source: UserTemplates) -> Copied[UserTemplates]:
        """The usable templates checked and the defaults among them; a deactivated template
        the user copied still has is not given anew."""
        tabs = tuple(_carried_tab(tab) for tab in source.tabs if tab.active)
        copied = UserTemplates(tabs)
        carried: list[str] = []
        counted = [(tab.name, tab.granted_count) for tab in tabs if tab.granted_count]
        if counted:
            total = sum(n for _name, n in counted)
            where = ", ".join(f"{name} {n}" for name, n in counted)
            carried.append(f"{total} {_plural('template', total)} ({where})")
        defaults = [tab.name for tab in tabs if tab.default_id is not None]
        if defaults:
            carried.append(
                f"the default {_plural('template', len(defaults))} of {', '.join(defaults)}"
            )
        return Copied(copied, tuple(carried))

    def edit_of(self, state: UserTemplates) -> TemplatesEdit:
        return TemplatesEdit(state.granted_ids, state.defaults)

    def check(
        self, work: Work, target: Target, current: UserTemplates | None, edit: TemplatesEdit
    ) -> TemplatesChecked:
        if current is None:  # a new user has nothing; a stored one, what is stored
            current = (
                UserTemplates()
                if target.pk is None
                else read_user_templates(work.session, work.company.id, target.pk)
            )
        if edit.granted == current.granted_ids and edit.default_of == current.defaults:
            return TemplatesChecked(edit.granted, edit.default_of)
        work.actor.require(self.edit_right)
        return check_templates(work.session, work.company.id, current, edit)

    def save(self, work: Work, target: Target, checked: TemplatesChecked) -> SectionSaved:
        assert target.pk is not None and target.version is not None, "the User section first"
        writer = UserWriter(work.session, work.company, work.actor)
        if not checked.changed:
            return SectionSaved(record_of(writer.load(target.pk, target.version)))
        work.actor.require(self.edit_right)
        user = writer.load_for_edit(target.pk, target.version)
        store_templates(work.session, work.company.id, user.id, checked)
        # The user's row is written even when stamped at the same moment: its version moves,
        # so an editor still holding the old list meets a conflict, not a silent overwrite.
        flag_modified(user, "updated_at")
        writer.save(user, Action.TEMPLATES_CHANGED, checked.changes, work.clock())
        return SectionSaved(record_of(user))

    def as_json(self, work: Work, state: UserTemplates) -> dict[str, Any]:
        """Per chart tab: the templates the user may use and its default (null: none)."""
        tabs = []
        for tab in state.tabs:
            granted = [
                {"id": t.id, "name": t.name, "category": c.name, "active": t.usable}
                for c, t in tab.templates()
                if t.granted
            ]
            named = {t.id: t.name for _c, t in tab.templates()}
            default = (
                None
                if tab.default_id is None
                else {"id": tab.default_id, "name": named.get(tab.default_id, "")}
            )
            tabs.append(
                {
                    "chart_tab": tab.name,
                    "active": tab.active,
                    "granted": granted,
                    "default": default,
                }
            )
        return {"chart_tabs": tabs, "granted_count": len(state.granted_ids)}


def _plural(word: str, count: int) -> str:
    return word if count == 1 else f"{word}s"
