"""Under the C/POSIX locale the program writes dates and picks paper as the practice does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QDate, QLocale
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinterInfo

from ui.pages.login_times_page import short_date_format
from ui.widgets.practice_locale import new_printer, practice_locale, use_practice_conventions

C_LOCALE = QLocale.c()
GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)
US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


@pytest.fixture(autouse=True)
def default_locale(qapp: Any) -> Iterator[None]:
    """Each test may set the default locale; the next one starts from the one before."""
    before = QLocale()
    yield
    QLocale.setDefault(before)


def test_a_system_that_names_no_locale_gets_the_practice_s_region() -> None:
    us = practice_locale("US", C_LOCALE)
    assert us is not None and us.name() == "en_US"
    assert us.toString(QDate(2026, 12, 31), short_date_format(us)) == "12/31/2026"
    german = practice_locale("de", C_LOCALE)
    assert german is not None and german.name() == "de_DE"
    unknown = practice_locale("ZZ", C_LOCALE)
    assert unknown is not None and unknown.name() == "en_US"


def test_a_system_that_names_a_locale_keeps_it() -> None:
    assert practice_locale("US", GERMAN) is None
    assert practice_locale("DE", US) is None


def test_the_program_s_default_follows_the_practice_only_under_the_c_locale() -> None:
    QLocale.setDefault(GERMAN)
    use_practice_conventions("US")
    if QLocale.system().language() == QLocale.Language.C:
        assert QLocale().name() == "en_US"
        assert QLocale().toString(QDate(2026, 12, 31), short_date_format()) == "12/31/2026"
    else:
        assert QLocale().name() == "de_DE"  # the system named one: the program does not touch it


@pytest.mark.skipif(
    not QPrinterInfo.defaultPrinter().isNull(),
    reason="this computer has a printer, whose own paper the slip takes",
)
def test_without_a_printer_the_paper_is_the_locale_s() -> None:
    QLocale.setDefault(US)
    assert new_printer().pageLayout().pageSize().id() == QPageSize.PageSizeId.Letter
    QLocale.setDefault(GERMAN)
    assert new_printer().pageLayout().pageSize().id() == QPageSize.PageSizeId.A4
