"""Run a callback at most once per interval, the last request never dropped."""

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """`request()` runs `callback` now if the interval has passed, else once when it has.

    `run_now()` runs it at once and cancels a pending run: a finished stroke is read without
    waiting, and the stroke's last update is never read after it.
    """

    def __init__(self, callback: Callable[[], object], interval_ms: int,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._callback = callback
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.run_now)

    def request(self) -> None:
        if self._timer.isActive():
            return
        wait = self.interval_ms / 1e3 - (time.perf_counter() - self._last)
        if wait <= 0:
            self.run_now()
        else:
            self._timer.start(max(1, int(wait * 1e3)))

    def run_now(self):
        self._timer.stop()
        self._last = time.perf_counter()
        return self._callback()
