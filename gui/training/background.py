"""Run one function off the GUI thread and hear its result back in the GUI thread.

A BackgroundCall owns its QThread and a small QObject runner for the whole call, as the training
controller does; `finished(result)` or `failed(message)` is emitted from the GUI thread.
"""

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class _Runner(QObject):
    done = Signal(object, str)  # result, error message ('' when it worked)

    def __init__(self, fn: Callable[[], object]):
        super().__init__()
        self._fn = fn

    @Slot()
    def run(self) -> None:
        try:
            result, error = self._fn(), ""
        except Exception as e:  # reported to the person, never lost in the thread
            log.exception("a background call failed")
            result, error = None, str(e) or type(e).__name__
        self.done.emit(result, error)
        thread = self.thread()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        thread.quit()


def join_thread(owner: QObject, thread: QThread, timeout_s: float) -> bool:
    """Wait for `thread` to end, then deliver the signals it queued to `owner` (last results,
    thread end) now, in order, rather than after the window has gone. False on a timeout."""
    if not thread.wait(int(timeout_s * 1000)):
        return False
    QCoreApplication.sendPostedEvents(owner)
    return True


class BackgroundCall(QObject):
    """`start(fn)`; then `finished(result)` or `failed(message)`, in the GUI thread."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._runner: _Runner | None = None
        self._outcome: tuple[object, str] = (None, "")
        app = QCoreApplication.instance()
        if app is not None:  # a thread must never outlive the application
            app.aboutToQuit.connect(self._on_app_about_to_quit)

    def is_busy(self) -> bool:
        return self._thread is not None

    def start(self, fn: Callable[[], object]) -> bool:
        """Call fn() in a new thread; False when a call is still going."""
        if self._thread is not None:
            return False
        thread = QThread(self)
        thread.setObjectName("background")
        runner = _Runner(fn)
        runner.moveToThread(thread)
        thread.started.connect(runner.run)
        runner.done.connect(self._on_runner_done)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._runner = thread, runner
        thread.start()
        return True

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until the call ends (for closing); its signals are delivered before returning."""
        if self._thread is None:
            return True
        if not join_thread(self, self._thread, timeout_s):
            return False
        if self._thread is not None:
            self._on_thread_finished()
        return True

    @Slot()
    def _on_app_about_to_quit(self) -> None:
        self.wait()

    @Slot(object, str)
    def _on_runner_done(self, result: object, error: str) -> None:
        self._outcome = (result, error)

    @Slot()
    def _on_thread_finished(self) -> None:
        """Tell the result once the thread is gone, so a receiver may start the next call."""
        if self._thread is None:
            return
        self._thread.wait()
        self._thread.deleteLater()
        self._thread = self._runner = None
        result, error = self._outcome
        self._outcome = (None, "the background call ended without a result")
        if error:
            self.failed.emit(error)
        else:
            self.finished.emit(result)
