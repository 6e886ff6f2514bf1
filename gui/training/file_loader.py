"""Reading the letter files the setup panel adds, off the GUI thread, one after another.

A big or hostile file can take seconds to read (or to be refused); the window stays live, shows
which file it reads, and Cancel drops the rest. A file already being read is not interrupted
(the readers check it whole, and stop only at their size limits): it is abandoned, its thread
runs to its end on its own, and its result is ignored. Only one file is ever read at a time:
a new read waits for an abandoned one to end, so Cancel and Add again cannot pile reads up.
"""

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from cnn.runs import sources
from gui.training.background import BackgroundCall
from gui.untrusted import elide

log = logging.getLogger(__name__)

# Calls abandoned by Cancel, kept referenced (and unparented, so closing the window cannot
# destroy a running thread) until their threads end.
_abandoned: set[BackgroundCall] = set()
_waiting: list = []  # loaders to go on once the abandoned reads have ended


def _abandoned_ended(call: BackgroundCall) -> None:
    _abandoned.discard(call)
    if not _abandoned:
        waiting, _waiting[:] = list(_waiting), []
        for go_on in waiting:
            try:
                go_on()
            except RuntimeError:  # its window closed meanwhile
                log.debug("a waiting file loader is gone", exc_info=True)


_WAITING = object()  # FileLoader._call while it waits for abandoned reads to end


def abandoned_calls() -> int:
    """How many cancelled reads are still running (for closing and tests)."""
    return len(_abandoned)


def count_letters(path: str) -> int:
    """How many letters `path` holds; a refusal (ValueError with a message) for an empty set."""
    n = sources.file_size(path)
    if n == 0:
        raise ValueError("it holds no letters")
    return n


class FileLoader(QObject):
    """`load(paths)`: counts each file's letters in a thread; `cancel()` stops between files
    and abandons the one being read. Every signal arrives in the GUI thread."""

    reading = Signal(int, int, str)  # index being read (0-based), how many, file name
    waiting = Signal()  # a cancelled read is still ending; this one starts after it
    loaded = Signal(str, int)  # path, letters
    refused = Signal(str, str)  # path, a message for the person
    finished = Signal(bool)  # True when cancelled

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._queue: list[str] = []
        self._total = 0
        self._call: BackgroundCall | object | None = None  # or _WAITING

    def is_busy(self) -> bool:
        return self._call is not None

    def load(self, paths: list[str]) -> bool:
        """Read `paths` in order; False (nothing started) while a load is still going."""
        if self.is_busy() or not paths:
            return False
        self._queue, self._total = [str(p) for p in paths], len(paths)
        self._next()
        return True

    def cancel(self) -> None:
        """Drop the files not read yet and abandon the one being read; `finished(True)`."""
        call, self._call = self._call, None
        self._queue = []
        if call is None:
            return
        if call is _WAITING:  # nothing started: nothing to abandon
            self.finished.emit(True)
            return
        call.finished.disconnect()
        call.failed.disconnect()
        call.setParent(None)
        _abandoned.add(call)
        end = lambda *_: QTimer.singleShot(0, lambda: _abandoned_ended(call))  # noqa: E731
        call.finished.connect(end)
        call.failed.connect(end)
        self.finished.emit(True)

    def _next(self) -> None:
        if not self._queue:
            self._call = None
            self.finished.emit(False)
            return
        if _abandoned:
            self._call = _WAITING
            self.waiting.emit()
            _waiting.append(self._go_on)
            return
        path = self._queue[0]
        self.reading.emit(self._total - len(self._queue), self._total, Path(path).name)
        self._call = BackgroundCall(self)
        self._call.finished.connect(self._on_call_finished)
        self._call.failed.connect(self._on_call_failed)
        # The readers refuse a bad file with a ValueError (DataError, NpzError) that names
        # the problem: logged once, below, as a warning without a traceback.
        self._call.start(lambda: count_letters(path), refusals=(ValueError,))

    def _go_on(self) -> None:
        if self._call is _WAITING:  # not cancelled meanwhile
            self._next()

    def _done_with_current(self) -> str:
        call = self._call
        if call is not None:
            call.deleteLater()  # its thread has ended (BackgroundCall reports after that)
        return self._queue.pop(0)

    def _on_call_finished(self, n: int) -> None:
        path = self._done_with_current()
        self.loaded.emit(path, int(n))
        self._next()

    def _on_call_failed(self, message: str) -> None:
        path = self._done_with_current()
        log.warning("refused the letter file %s: %s", path, message)
        # The readers start with the path; the name just before it says which file already.
        reason = message.removeprefix(f"{path}: ")
        self.refused.emit(path, f"{elide(Path(path).name)} was not added: {elide(reason, 300)}")
        self._next()
