"""Work off the GUI thread: one owner for a QThread and its worker, and one-off calls on it.

A WorkerThread owns its QThread and a QObject worker from `start` until the thread has ended
(the training controller and every BackgroundCall use one). A BackgroundCall runs one function
and tells `finished(result)` or `failed(message)` in the GUI thread.
"""

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


def end_in_gui_thread(worker: QObject) -> None:
    """The last call of a worker's `run`: hand the worker back to the GUI thread, so it is
    deleted there once its thread ends, and end the thread from here (a queued quit() would
    wait for a GUI thread that may be blocked in WorkerThread.wait())."""
    thread = worker.thread()
    app = QCoreApplication.instance()
    if app is not None:
        worker.moveToThread(app.thread())
    thread.quit()


class WorkerThread(QObject):
    """Owns one QThread and the worker in it for both their lives; `ended` follows, in the GUI
    thread, once the thread is gone. The worker's `run` slot ends with end_in_gui_thread."""

    ended = Signal()

    def __init__(self, name: str, parent: QObject):
        super().__init__(parent)  # the parent receives the worker's signals
        self._name = name
        self._thread: QThread | None = None
        self._stop: Callable[[], None] | None = None
        self.worker: QObject | None = None
        app = QCoreApplication.instance()
        if app is not None:  # a safety net: a thread must never outlive the application
            app.aboutToQuit.connect(self._on_app_about_to_quit)

    @property
    def qthread(self) -> QThread | None:
        return self._thread

    def is_busy(self) -> bool:
        return self._thread is not None

    def start(self, worker: QObject, stop: Callable[[], None] | None = None) -> None:
        """Run worker.run() in a new thread; `stop` asks the worker to end (at quitting)."""
        if self._thread is not None:
            raise RuntimeError(f"the {self._name} thread is still running")
        thread = QThread(self)
        thread.setObjectName(self._name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self.worker, self._stop = thread, worker, stop
        thread.start()

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until the thread ends, then deliver what it queued (last results, thread end)
        now, in order, rather than after the window has gone. False on a timeout."""
        if self._thread is None:
            return True
        if not self._thread.wait(int(timeout_s * 1000)):
            return False
        QCoreApplication.sendPostedEvents(self.parent())
        QCoreApplication.sendPostedEvents(self)
        self._on_thread_finished()
        return True

    @Slot()
    def _on_app_about_to_quit(self) -> None:
        if self._stop is not None and self._thread is not None:
            self._stop()
        self.wait()

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is None:
            return
        self._thread.wait()
        self._thread.deleteLater()
        self._thread = self.worker = self._stop = None
        self.ended.emit()


class _Runner(QObject):
    done = Signal(object, str)  # result, error message ('' when it worked)

    def __init__(self, fn: Callable[[], object], refusals: tuple[type[Exception], ...]):
        super().__init__()
        self._fn, self._refusals = fn, refusals

    @Slot()
    def run(self) -> None:
        try:
            result, error = self._fn(), ""
        except Exception as e:  # reported to the person, never lost in the thread
            # A refusal (a bad file the person chose) is theirs to fix, not a bug: whoever shows
            # its message logs it; anything else is logged here with its traceback.
            if not isinstance(e, self._refusals):
                log.exception("a background call failed")
            result, error = None, str(e) or type(e).__name__
        self.done.emit(result, error)
        end_in_gui_thread(self)


class BackgroundCall(QObject):
    """`start(fn)`; then `finished(result)` or `failed(message)`, in the GUI thread."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread = WorkerThread("background", self)
        self._thread.ended.connect(self._on_thread_ended)
        self._outcome: tuple[object, str] = (None, "")

    def is_busy(self) -> bool:
        return self._thread.is_busy()

    def start(self, fn: Callable[[], object],
              refusals: tuple[type[Exception], ...] = ()) -> bool:
        """Call fn() in a new thread; False when a call is still going. Exceptions of the
        `refusals` types are expected (their message is for a person) and are not logged here."""
        if self._thread.is_busy():
            return False
        runner = _Runner(fn, refusals)
        runner.done.connect(self._on_runner_done)
        self._thread.start(runner)
        return True

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until the call ends (for closing); its signals are delivered before returning."""
        return self._thread.wait(timeout_s)

    @Slot(object, str)
    def _on_runner_done(self, result: object, error: str) -> None:
        self._outcome = (result, error)

    @Slot()
    def _on_thread_ended(self) -> None:
        """Tell the result once the thread is gone, so a receiver may start the next call."""
        result, error = self._outcome
        self._outcome = (None, "the background call ended without a result")
        if error:
            self.failed.emit(error)
        else:
            self.finished.emit(result)
