"""The Templates page in the real window (SQLite): each tab's count, the Default Template that
offers only checked templates, the filter, Check all in category (and the category's own box),
a deactivated template struck through with a warning, the Front Desk's read-only view, the
catalog button, and the page at 1024x700. The rules are in tests/test_templates_section.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPushButton, QTreeView

from app.catalogs.service import Catalogs, Kind
from app.catalogs.user_templates import TemplatesEdit
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.sections.base import Target
from app.sections.editor import UserEditor
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import read_user
from tests.helpers.roles import SetupRole
from tests.helpers.templates import add_templates, tab_ids
from tests.helpers.window import catalog_editor_opened, close_window, saves
from tests.helpers.window import open_window as shown_window
from tests.test_templates_section import TREE, stored
from tests.test_two_factor_page import pick
from ui.pages.templates_page import TemplatesPage
from ui.window.window import UserSetupWindow


@pytest.fixture
def ids(database: Database, company: CompanyInfo, clock: FixedClock, kim: int) -> dict[str, int]:
    """The practice of the section tests; Kimberly may use CBC, Orders' default."""
    with database.transaction() as session:
        made = add_templates(session, company, clock, TREE)
        made.update(tab_ids(session, company))
        work = Work(session, company, dba(), clock)
        version = read_user(database, company, clock, kim).version
        UserEditor(work).save(
            Target(kim, version),
            {
                "templates": TemplatesEdit(
                    {made["Orders/Labs/CBC"]}, {made["Orders"]: made["Orders/Labs/CBC"]}
                )
            },
        )
    return made


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    ids: dict[str, int],
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    window = shown_window(database, company, clock, qtbot)
    yield window
    close_window(window, dialogs)


def templates_page(qtbot: Any, window: UserSetupWindow, pk: int) -> TemplatesPage:
    """The user's Templates section, as the section list shows it."""
    pick(qtbot, window, pk)
    window.show_section("templates")
    page = window.page("templates")
    assert isinstance(page, TemplatesPage)
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(page.isEnabled)
    return page


def tab_texts(page: TemplatesPage) -> list[str]:
    tabs = by_name(page, QListWidget, "Chart Tabs")
    return [tabs.item(i).text() for i in range(tabs.count())]


def choose_tab(page: TemplatesPage, name: str) -> None:
    tabs = by_name(page, QListWidget, "Chart Tabs")
    (item,) = [
        tabs.item(i) for i in range(tabs.count()) if tabs.item(i).text().startswith(name + " (")
    ]
    tabs.setCurrentItem(item)


def tree_shown(page: TemplatesPage) -> dict[str, list[str]]:
    """What the tree shows (the filter applied): category, its templates (checked with *)."""
    tree = by_name(page, QTreeView, "Templates")
    model = tree.model()
    shown: dict[str, list[str]] = {}
    for row in range(model.rowCount()):
        head = model.index(row, 0)
        shown[head.data()] = [
            (
                "*"
                if model.index(i, 0, head).data(Qt.ItemDataRole.CheckStateRole)
                == Qt.CheckState.Checked.value
                else ""
            )
            + model.index(i, 0, head).data()
            for i in range(model.rowCount(head))
        ]
    return shown


def item_of(page: TemplatesPage, category: str, template: str | None = None) -> Any:
    for row in range(page.model.rowCount()):
        head = page.model.item(row)
        if head.text() != category:
            continue
        if template is None:
            return head
        return next(
            head.child(i) for i in range(head.rowCount()) if head.child(i).text() == template
        )
    raise AssertionError(category)


def defaults_offered(page: TemplatesPage) -> list[str]:
    box = by_name(page, QComboBox, "Default Template")
    return [box.itemText(i) for i in range(box.count())]


def test_each_tab_shows_its_count_and_the_default_offers_only_checked_templates(
    qtbot: Any, window: UserSetupWindow, database: Database, kim: int, ids: dict[str, int]
) -> None:
    page = templates_page(qtbot, window, kim)
    assert tab_texts(page)[:3] == ["Orders (1)", "Assessments (0)", "Exams (0)"]
    assert tree_shown(page) == {
        "Imaging": ["Chest X-ray", "Knee MRI"],
        "Labs": ["BMP", "*CBC", "Lipid Panel"],
    }
    assert defaults_offered(page) == ["(none)", "CBC (Labs)"]
    box = by_name(page, QComboBox, "Default Template")
    assert box.currentText() == "CBC (Labs)"
    item_of(page, "Labs", "BMP").setCheckState(Qt.CheckState.Checked)
    assert tab_texts(page)[0] == "Orders (2)" and window.is_dirty()
    assert defaults_offered(page) == ["(none)", "BMP (Labs)", "CBC (Labs)"]
    box.setCurrentIndex(box.findText("BMP (Labs)"))
    assert saves(window)
    bmp, cbc = ids["Orders/Labs/BMP"], ids["Orders/Labs/CBC"]
    assert stored(database, kim) == ({bmp, cbc}, {ids["Orders"]: bmp})
    assert not window.is_dirty() and tab_texts(page)[0] == "Orders (2)"


def test_unchecking_the_default_leaves_the_tab_without_one(
    qtbot: Any, window: UserSetupWindow, database: Database, kim: int, ids: dict[str, int]
) -> None:
    page = templates_page(qtbot, window, kim)
    item_of(page, "Labs", "CBC").setCheckState(Qt.CheckState.Unchecked)
    assert defaults_offered(page) == ["(none)"]
    assert by_name(page, QComboBox, "Default Template").currentText() == "(none)"
    assert saves(window)
    assert stored(database, kim) == (set(), {})


def test_the_filter_shows_the_matching_templates_with_their_category(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    page = templates_page(qtbot, window, kim)
    by_name(page, QLineEdit, "Filter").setText("x-RAY")
    assert tree_shown(page) == {"Imaging": ["Chest X-ray"]}
    by_name(page, QLineEdit, "Filter").setText("labs")  # a category's name shows all of it
    assert tree_shown(page) == {"Labs": ["BMP", "*CBC", "Lipid Panel"]}
    by_name(page, QLineEdit, "Filter").clear()
    assert len(tree_shown(page)) == 2


def test_check_all_in_category_and_the_categorys_own_box(
    qtbot: Any, window: UserSetupWindow, database: Database, kim: int, ids: dict[str, int]
) -> None:
    page = templates_page(qtbot, window, kim)
    labs = item_of(page, "Labs")
    assert labs.checkState() == Qt.CheckState.PartiallyChecked  # CBC of three
    tree = by_name(page, QTreeView, "Templates")
    tree.setCurrentIndex(page.proxy.mapFromSource(item_of(page, "Labs", "BMP").index()))
    qtbot.mouseClick(by_name(page, QPushButton, "Check all in category"), Qt.MouseButton.LeftButton)
    assert tree_shown(page)["Labs"] == ["*BMP", "*CBC", "*Lipid Panel"]
    assert labs.checkState() == Qt.CheckState.Checked and tab_texts(page)[0] == "Orders (3)"
    imaging = item_of(page, "Imaging")
    by_name(page, QLineEdit, "Filter").setText("knee")  # the box checks what the filter shows
    imaging.setCheckState(Qt.CheckState.Checked)
    by_name(page, QLineEdit, "Filter").clear()
    assert tree_shown(page)["Imaging"] == ["Chest X-ray", "*Knee MRI"]
    assert imaging.checkState() == Qt.CheckState.PartiallyChecked
    labs.setCheckState(Qt.CheckState.Unchecked)
    assert tree_shown(page)["Labs"] == ["BMP", "CBC", "Lipid Panel"]
    assert tab_texts(page)[0] == "Orders (1)"
    assert saves(window)
    assert stored(database, kim) == ({ids["Orders/Imaging/Knee MRI"]}, {})


def test_check_all_in_category_has_a_category_to_check_as_soon_as_a_tab_is_shown(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    """Nothing clicked yet: the tab's first category is selected, and Check all checks it."""
    page = templates_page(qtbot, window, kim)
    first = next(iter(tree_shown(page)))
    assert page.proxy.mapToSource(by_name(page, QTreeView, "Templates").currentIndex()) == (
        item_of(page, first).index()
    )
    qtbot.mouseClick(by_name(page, QPushButton, "Check all in category"), Qt.MouseButton.LeftButton)
    assert all(name.startswith("*") for name in tree_shown(page)[first])


def test_a_deactivated_template_the_user_has_is_struck_through_with_a_warning(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    ids: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(
            Kind.TEMPLATE, ids["Orders/Labs/CBC"], False
        )
    window = shown_window(database, company, clock, qtbot)
    try:
        page = templates_page(qtbot, window, kim)
        cbc = item_of(page, "Labs", "CBC")
        assert cbc.font().strikeOut() and "cannot be checked anew" in cbc.toolTip()
        warning = page.findChild(QLabel, "deactivated_warning")
        assert warning is not None and warning.isVisible()
        assert not item_of(page, "Labs", "BMP").font().strikeOut()
        cbc.setCheckState(Qt.CheckState.Unchecked)  # taken away: fine
        item_of(page, "Labs").setCheckState(Qt.CheckState.Checked)  # checks only usable ones
        assert tree_shown(page)["Labs"] == ["*BMP", "CBC", "*Lipid Panel"]
        assert saves(window)
        assert stored(database, kim) == (
            {ids["Orders/Labs/BMP"], ids["Orders/Labs/Lipid Panel"]},
            {},
        )
        choose_tab(page, "Exams")
        assert not warning.isVisible()
    finally:
        close_window(window, dialogs)


def test_the_front_desk_sees_the_templates_read_only_without_the_catalog_button(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    ids: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    window = shown_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        page = templates_page(qtbot, window, kim)
        cbc = item_of(page, "Labs", "CBC")
        assert (
            cbc.checkState() == Qt.CheckState.Checked
            and not cbc.flags() & Qt.ItemFlag.ItemIsUserCheckable
        )
        assert not by_name(page, QComboBox, "Default Template").isEnabled()
        assert not by_name(page, QPushButton, "Check all in category").isEnabled()
        assert not by_name(page, QPushButton, "Templates...").isVisibleTo(page)
        choose_tab(page, "Exams")  # looking around is no edit
        assert page.edit(window.subject) is None  # type: ignore[arg-type]
    finally:
        close_window(window, dialogs)


def test_the_catalog_button_asks_for_the_template_editor_and_the_page_fits_1024_by_700(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    ids: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    window = shown_window(database, company, clock, qtbot, size=(1024, 700))
    try:
        page = templates_page(qtbot, window, kim)
        button = by_name(page, QPushButton, "Templates...")
        assert button.isVisible()
        assert catalog_editor_opened(qtbot, dialogs, page, button) == [
            "template",
            "TemplatesCatalogDialog",
        ]
        assert page.minimumSizeHint().width() <= page.width() and page.width() <= 1024
        for widget in (
            button,
            by_name(page, QComboBox, "Default Template"),
            by_name(page, QLineEdit, "Filter"),
        ):
            corner = widget.mapTo(page, widget.rect().bottomRight())
            assert page.rect().contains(corner), widget.accessibleName()  # nothing cut off
        tree = by_name(page, QTreeView, "Templates")
        assert (
            tree.height() >= 150
            and tree.visualRect(tree.model().index(0, 0, QModelIndex())).isValid()
        )
    finally:
        close_window(window, dialogs)


def test_copy_user_shows_the_templates_it_carried(
    qtbot: Any, window: UserSetupWindow, kim: int, ids: dict[str, int]
) -> None:
    pick(qtbot, window, kim)
    window.copy_user()
    assert window.subject is not None and window.subject.is_new
    assert "1 template (Orders 1), the default template of Orders" in window.subject.copied_note
    window.show_section("templates")
    page = window.page("templates")
    assert isinstance(page, TemplatesPage)
    assert tab_texts(page)[0] == "Orders (1)"
    assert by_name(page, QComboBox, "Default Template").currentText() == "CBC (Labs)"
    assert page.edit(window.subject) is None  # unchanged: saved as Copy User carried it
    window.drop_edits()
