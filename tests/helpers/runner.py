"""A runner whose jobs wait until the test lets them answer, one after another as the real
runner's single worker would: to see what the window does with answers that come late."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.operations import OperationRunner, _outcome_of


class HeldRunner(OperationRunner):
    """Jobs run at once until ``hold`` is set; then each waits for ``answer_next()``."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self.waiting: list[Callable[[], None]] = []

    def _start(self, job: Callable[[], Any], finish: Callable[[tuple[bool, Any]], None]) -> None:
        if self.hold:
            self.waiting.append(lambda: finish(_outcome_of(job)))
        else:
            finish(_outcome_of(job))

    def answer_next(self) -> None:
        """The oldest waiting job runs and its answer arrives."""
        self.waiting.pop(0)()
