"""Who has this right?: the users who hold a right or a role, directly or through a group,
for the privacy officer, with an export of the list as CSV. Opened from Role Setup.

Every read is a job of app.roles.holders on the window's runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.rights import Right
from app.roles.holders import Holder, right_holders
from app.roles.setup import RoleSummary
from app.workplace import Workplace
from ui.dialogs import messages as dialogs
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.widgets.form import caption


class WhoHasRightDialog(QDialog):
    """The users who hold a right or a role, directly or through a group, and an export of
    the list as CSV for the privacy officer."""

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        roles: list[RoleSummary],
        chosen: Right | int | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.setWindowTitle("Who has this right?")
        self.resize(720, 480)
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.subject = QComboBox()
        for right in Right:
            self.subject.addItem(f"{right.group.value}: {right.label}", f"right:{right.value}")
        for role in roles:
            self.subject.addItem(f"Role: {role.name}", f"role:{role.id}")
        self.include_inactive = QCheckBox("Include inactive users")
        self.include_inactive.setAccessibleName("Include inactive users")
        self.holders = QTreeWidget()
        self.holders.setColumnCount(4)
        self.holders.setHeaderLabels(["User ID", "Name", "Active", "Through"])
        self.holders.setRootIsDecorated(False)
        grid.addWidget(caption("Right or role", self.subject), 0, 0)
        grid.addWidget(self.subject, 0, 1)
        grid.addWidget(self.include_inactive, 1, 1)
        grid.addWidget(caption("Holders", self.holders), 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.holders, 2, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid, 1)
        self.count = QLabel()
        self.count.setObjectName("count")
        layout.addWidget(self.count)
        buttons = QHBoxLayout()
        self.export_button = QPushButton("Export CSV...")
        self.export_button.clicked.connect(self.export)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        if chosen is not None:
            wanted = f"right:{chosen.value}" if isinstance(chosen, Right) else f"role:{chosen}"
            index = self.subject.findData(wanted)
            self.subject.setCurrentIndex(max(index, 0))
        self.subject.currentIndexChanged.connect(lambda _i: self.show_holders())
        self.include_inactive.toggled.connect(lambda _on: self.show_holders())
        self.show_holders()

    def chosen(self) -> Right | int:
        kind, _, value = str(self.subject.currentData()).partition(":")
        return Right(value) if kind == "right" else int(value)

    def show_holders(self) -> None:
        subject, everyone = self.chosen(), self.include_inactive.isChecked()
        self.runner.run(
            self.workplace,
            lambda work: right_holders(work).who_holds(subject, include_inactive=everyone),
            self._shown,
            failed=lambda error: self.count.setText(plain_words(error)),
            parent=self,
        )

    def _shown(self, holders: list[Holder]) -> None:
        self.holders.clear()
        for holder in holders:
            QTreeWidgetItem(
                self.holders,
                [holder.user_id, holder.name, "yes" if holder.active else "no", holder.through],
            )
        for column in range(3):
            self.holders.resizeColumnToContents(column)
        n = len(holders)
        self.count.setText(f"{n} user{'s' if n != 1 else ''}" if n else "Nobody holds it.")

    def export(self) -> None:
        """The list as CSV, to a file the operator names."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Export CSV", "who-has-this-right.csv", "CSV files (*.csv)"
        )
        if not path:
            return
        subject, everyone = self.chosen(), self.include_inactive.isChecked()

        def write(text: str) -> None:
            try:  # with a byte-order mark: spreadsheets then read the arrows as they are
                Path(path).write_text(text, encoding="utf-8-sig", newline="")
            except OSError as exc:
                dialogs.tell(self, "Not exported", f"The file could not be written: {exc}")
                return
            self.count.setText(f"Exported to {path}")

        self.runner.run(
            self.workplace,
            lambda work: right_holders(work).holders_csv(subject, include_inactive=everyone),
            write,
            parent=self,
        )


__all__: list[Any] = ["WhoHasRightDialog"]
