"""A dialog's steps, one shown at a time, the dialog sized to the step it shows."""

from __future__ import annotations

from PySide6.QtWidgets import QSizePolicy, QStackedWidget, QWidget


class FittingStack(QStackedWidget):
    """Pages shown one at a time. A plain QStackedWidget is as large as its largest page, so a
    short step sits in empty bands; this one asks for the room of the page it shows (the
    stacked layout leaves pages whose size policy is Ignored out of its size)."""

    def __init__(self, *pages: QWidget) -> None:
        super().__init__()
        for page in pages:
            self.addWidget(page)
        if pages:
            self.show_page(pages[0])

    def show_page(self, page: QWidget) -> None:
        """Show ``page`` and fit the window to it."""
        for other in map(self.widget, range(self.count())):
            assert other is not None
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.setCurrentWidget(page)
        self.adjustSize()
        self.window().adjustSize()
