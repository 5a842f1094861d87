"""Dates, times and paper as the practice writes them when the computer names no locale.

Windows and macOS always name one. Many Linux machines (and CI) run under the C/POSIX
locale, where Qt writes dates as "31 12 2026" and prints on A4: there the practice's own
region (US English for a US practice) stands in for the system's.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo


def practice_locale(region: str, system: QLocale | None = None) -> QLocale | None:
    """The locale to use instead of the system's, or None when the system names one.

    ``region``: the practice's two-letter country code ("US"); its most used language is
    taken (English in the US, German in Germany). An unknown code reads as the US.
    """
    if (system or QLocale.system()).language() != QLocale.Language.C:
        return None
    territory = QLocale.codeToTerritory(region.upper())
    if territory == QLocale.Country.AnyTerritory:
        territory = QLocale.Country.UnitedStates
    return QLocale(QLocale.Language.AnyLanguage, territory)


def use_practice_conventions(region: str) -> None:
    """Before the windows that show dates are built: the practice's locale if the system names
    none (widgets take the default locale when they are created)."""
    chosen = practice_locale(region)
    if chosen is not None:
        QLocale.setDefault(chosen)


def new_printer() -> QPrinter:
    """A printer for a slip or a key sheet. A computer with a printer knows its paper; without
    one (printing to PDF), the paper is the locale's: Letter in the US, else A4."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if QPrinterInfo.defaultPrinter().isNull():
        us = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
        paper = QPageSize.PageSizeId.Letter if us else QPageSize.PageSizeId.A4
        printer.setPageSize(QPageSize(paper))
    return printer
