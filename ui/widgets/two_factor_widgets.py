"""What the 2FA section and the sign-in share: the QR code, the authenticator setup panel, the
printable setup sheet and the recovery codes shown once."""

from __future__ import annotations

import base64
import html
from io import BytesIO
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QImage, QPixmap, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.form import FieldErrors, caption
from ui.widgets.practice_locale import new_printer

if TYPE_CHECKING:  # the set-up panel is built with the sign-in dialog, before it is needed
    from app.two_factor.service import Enrolment

QR_PIXELS = 220
INSTRUCTIONS = (
    "Open an authenticator app on your phone (Google, Microsoft or ID.me Authenticator, "
    "or any other that supports time-based codes).",
    "Add an account and scan the QR code, or type the Manual Entry Key.",
    "Enter the 6-digit token the app shows, then choose Verify.",
)


def qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a PNG (qrcode draws it with Pillow): black on white."""
    import qrcode  # with Pillow, a large load: only when a code is first drawn

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_pixmap(text: str, pixels: int = QR_PIXELS) -> QPixmap:
    image = QImage.fromData(qr_png(text))  # the format is read from the data
    return QPixmap.fromImage(image).scaled(
        pixels,
        pixels,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.FastTransformation,  # keep the modules sharp for the camera
    )


def _fixed_font_label(text: str = "") -> QLabel:
    label = QLabel(text)
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 1.3)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class AuthenticatorSetup(QWidget):
    """Title for Authenticator, the QR code, the Manual Entry Key and the token to verify.

    ``title_changed`` asks the owner for a new enrolment (the title is in the QR code);
    ``verify_requested`` carries the typed token.
    """

    title_changed = Signal(str)
    verify_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors = FieldErrors()
        self.enrolment: Enrolment | None = None
        grid = QGridLayout(self)
        self.title = QLineEdit()
        self.title.setMaxLength(64)
        self.title.setToolTip("Shown in the phone app beside the token")
        self.title.editingFinished.connect(lambda: self.title_changed.emit(self.title.text()))
        grid.addWidget(caption("Title for Authenticator", self.title), 0, 0)
        grid.addWidget(self.title, 0, 1)
        self.errors.add(grid, "title", self.title, 1, 1)
        self.qr = QLabel()
        self.qr.setObjectName("qr_code")
        self.qr.setAccessibleName("QR code for the authenticator app")
        self.qr.setFixedSize(QR_PIXELS, QR_PIXELS)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(QLabel("Scan QR Code with Mobile Device:"), 2, 0, 1, 2)
        grid.addWidget(self.qr, 3, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        self.key = _fixed_font_label()
        self.key.setObjectName("manual_entry_key")
        self.key.setAccessibleName("Manual Entry Key")
        grid.addWidget(QLabel("Manual Entry Key:"), 4, 0)
        grid.addWidget(self.key, 4, 1)
        self.token = QLineEdit()
        self.token.setMaxLength(7)  # "123 456", pasted as the apps show it
        hint = "6 digits from the app"
        self.token.setPlaceholderText(hint)
        self.token.setMinimumWidth(self.token.fontMetrics().horizontalAdvance(hint) + 24)
        self.token.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.token.returnPressed.connect(self._verify)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self._verify)
        token_row.addWidget(self.verify_button)
        token_row.addStretch(1)
        grid.addWidget(caption("Two Factor Application Token", self.token), 5, 0)
        grid.addLayout(token_row, 5, 1)
        self.errors.add(grid, "token", self.token, 6, 1)
        grid.setColumnStretch(1, 1)

    def _verify(self) -> None:
        self.verify_requested.emit(self.token.text())

    def show_enrolment(self, enrolment: Enrolment) -> None:
        self.enrolment = enrolment
        if self.title.text() != enrolment.title:
            self.title.setText(enrolment.title)
        self.qr.setPixmap(qr_pixmap(enrolment.uri))
        self.key.setText(enrolment.key)
        self.token.clear()
        self.errors.clear()

    def clear(self) -> None:
        """Forget the key shown: nothing of it stays on screen."""
        self.enrolment = None
        self.qr.clear()
        self.key.clear()
        self.token.clear()
        self.errors.clear()


def setup_sheet_html(enrolment: Enrolment, practice: str, person: str) -> str:
    """The printable setup sheet: whose it is, the QR code, the key and three instructions."""
    data = base64.b64encode(qr_png(enrolment.uri)).decode()
    steps = "".join(f"<li>{html.escape(step)}</li>" for step in INSTRUCTIONS)
    return (
        f"<h2>{html.escape(practice)}: authenticator setup</h2>"
        f"<p>For <b>{html.escape(person)}</b>. Title in the app: "
        f"<b>{html.escape(enrolment.title)}</b></p>"
        f"<p><img src='data:image/png;base64,{data}' width='220' height='220'></p>"
        f"<p>Manual Entry Key: <span style='font-family: monospace; font-size: 14pt'>"
        f"{html.escape(enrolment.key)}</span></p>"
        f"<ol>{steps}</ol>"
        "<p>Keep this sheet private: anyone with the key can make your tokens. "
        "Shred it once your phone shows the tokens.</p>"
    )


def print_html(parent: QWidget, markup: str, title: str) -> bool:
    """Print (or save as PDF) through the system's print dialog; True if printed."""
    printer = new_printer()
    chooser = QPrintDialog(printer, parent)
    chooser.setWindowTitle(title)
    if chooser.exec() != QDialog.DialogCode.Accepted:
        return False
    print_to(printer, markup)
    return True


def print_to(printer: QPrinter, markup: str) -> None:
    document = QTextDocument()
    document.setHtml(markup)
    document.print_(printer)


class RecoveryCodesDialog(QDialog):
    """Ten recovery codes, shown once: copy or print them, then they are gone from screen."""

    def __init__(self, parent: QWidget | None, codes: list[str], person: str, practice: str):
        super().__init__(parent)
        self.codes = list(codes)
        self.person = person
        self.practice = practice
        self.setWindowTitle("Recovery Codes")
        layout = QVBoxLayout(self)
        heading = QLabel(
            f"Recovery codes for {person}. Each works once, in place of a token, when the "
            "phone is lost or new. They are shown only now: print them or write them down "
            "and keep them somewhere safe."
        )
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.view = QPlainTextEdit("\n".join(self.codes))
        self.view.setReadOnly(True)
        self.view.setAccessibleName("Recovery codes")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.3)
        self.view.setFont(font)
        self.view.setMinimumHeight(self.view.fontMetrics().lineSpacing() * (len(codes) + 2))
        layout.addWidget(self.view)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.copy_button = QPushButton("Copy")
        self.print_button = QPushButton("Print...")
        self.close_button = QPushButton("Close")
        self.close_button.setDefault(True)
        for button in (self.copy_button, self.print_button, self.close_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        self.close_button.setAutoDefault(True)
        self.copy_button.clicked.connect(self.copy_codes)
        self.print_button.clicked.connect(
            lambda: print_html(self, self.sheet_html(), "Print the recovery codes")
        )
        self.close_button.clicked.connect(self.accept)
        layout.addLayout(buttons)

    def copy_codes(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.codes))

    def sheet_html(self) -> str:
        rows = "".join(f"<li>{html.escape(code)}</li>" for code in self.codes)
        return (
            f"<h2>{html.escape(self.practice)}: recovery codes</h2>"
            f"<p>For <b>{html.escape(self.person)}</b>. Each code works once, in place of "
            "a token from the phone.</p>"
            f"<ol style='font-family: monospace; font-size: 14pt'>{rows}</ol>"
        )

    def done(self, result: int) -> None:
        self.view.clear()  # shown once: not left in a closed dialog kept by its parent
        clipboard = QGuiApplication.clipboard()
        if self.codes and clipboard.text() == "\n".join(self.codes):
            clipboard.clear()  # nor on the clipboard, once pasted where they are kept
        self.codes = []
        super().done(result)
