"""The training controller: lives in the GUI thread, owns the QThread and its TrainWorker.

It starts a fresh thread and worker per run and keeps both referenced until the thread has
ended. Every worker signal is received here, in the GUI thread, and re-emitted: widgets and tests
connect to the controller only. It also keeps the model's History and the newest trained model.
"""

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from cnn.model import Sequential
from gui.training.background import join_thread
from gui.training.config import RunConfig
from gui.training.history import History
from gui.training.worker import TrainWorker

IDLE, LOADING, RUNNING, PAUSED, STOPPING = "idle", "loading", "running", "paused", "stopping"


class TrainController(QObject):
    """start / pause / resume / step / stop a run; the signals below arrive in the GUI thread."""

    state_changed = Signal(str)  # IDLE, LOADING, RUNNING, PAUSED, STOPPING
    status_changed = Signal(str, float)
    data_loaded = Signal(object)
    progressed = Signal(object)
    epoch_finished = Signal(object)
    step_inspected = Signal(object)
    weights_published = Signal(object, object)  # model (yours to keep), meta
    run_finished = Signal(object)  # the worker's result dict
    worker_paused = Signal()  # the worker finished its batch and waits (after Pause or a Step)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TrainWorker | None = None
        self._state = IDLE
        self.history = History()
        self.config: RunConfig | None = None
        self.model: Sequential | None = None  # the newest weights of the last run
        self.meta: dict = {}
        self.data_info: dict = {}
        self.last_epoch: dict | None = None
        self.last_result: dict | None = None
        app = QCoreApplication.instance()
        if app is not None:  # a safety net: a thread must never outlive the application
            app.aboutToQuit.connect(self._on_app_about_to_quit)

    @property
    def state(self) -> str:
        return self._state

    def is_running(self) -> bool:
        """True from start() until the worker's thread has ended (paused counts as running)."""
        return self._thread is not None

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # --- control -------------------------------------------------------------------------------

    def start(self, config: RunConfig, model: Sequential | None = None, meta: dict | None = None,
              paused: bool = False) -> None:
        """Begin a run: fine-tune a copy of `model` (its meta's history goes on) or build anew."""
        if self.is_running():
            raise RuntimeError("a run is already going; stop it first")
        self.config = config
        self.history = History.from_meta(meta) if model is not None else History()
        self.meta = {k: v for k, v in (meta or {}).items() if model is not None}
        self.last_epoch, self.last_result, self.data_info = None, None, {}
        worker = TrainWorker(config, None if model is None else model.copy(),
                             epoch_offset=self.history.last_epoch, paused=paused)
        thread = QThread(self)
        thread.setObjectName("training")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.status_changed.connect(self._on_worker_status)
        worker.data_loaded.connect(self._on_worker_data_loaded)
        worker.progressed.connect(self._on_worker_progressed)
        worker.epoch_finished.connect(self._on_worker_epoch_finished)
        worker.step_inspected.connect(self.step_inspected)
        worker.weights_ready.connect(self._on_worker_weights_ready)
        worker.paused.connect(self.worker_paused)
        worker.finished.connect(self._on_worker_finished)
        thread.finished.connect(self._on_thread_finished)
        self._thread, self._worker = thread, worker
        self._set_state(LOADING)
        thread.start()

    def pause(self) -> None:
        if self._worker is not None and self._state == RUNNING:
            self._worker.request_pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._worker is not None and self._state == PAUSED:
            self._worker.request_resume()
            self._set_state(RUNNING)

    def step(self) -> None:
        """One batch (forward, loss, backward, update), then paused."""
        if self._worker is None:
            return
        self._worker.request_step()
        if self._state == RUNNING:
            self._set_state(PAUSED)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.request_stop()
            self._set_state(STOPPING)

    def stop_and_wait(self, timeout_s: float = 10.0) -> bool:
        """Stop the run and block until its thread ends (for closeEvent); True when it ended."""
        if self._thread is None:
            return True
        self.stop()
        if not join_thread(self, self._thread, timeout_s):
            return False
        if self._thread is not None:
            self._on_thread_finished()
        return True

    @Slot()
    def _on_app_about_to_quit(self) -> None:
        self.stop_and_wait()

    # --- from the worker (queued: these run in the GUI thread) -------------------------------

    @Slot(str, float)
    def _on_worker_status(self, text: str, fraction: float) -> None:
        self.status_changed.emit(text, fraction)

    @Slot(object)
    def _on_worker_data_loaded(self, info: dict) -> None:
        self.data_info = info
        if self._state == LOADING:
            paused = self._worker is not None and self._worker._paused
            self._set_state(PAUSED if paused else RUNNING)
        self.data_loaded.emit(info)

    @Slot(object)
    def _on_worker_progressed(self, chunk: dict) -> None:
        self.history.add_batches(chunk)
        self.progressed.emit(chunk)

    @Slot(object)
    def _on_worker_epoch_finished(self, result: dict) -> None:
        self.history.add_epoch(result["entry"])
        self.last_epoch = result
        self.epoch_finished.emit(result)

    @Slot(object, object)
    def _on_worker_weights_ready(self, model: Sequential, info: dict) -> None:
        self.model = model
        self.meta = self.current_meta()
        self.weights_published.emit(model, self.meta)

    @Slot(object)
    def _on_worker_finished(self, result: dict) -> None:
        if self.last_result is not None:  # stop_and_wait already did this
            return
        self.last_result = result
        self.run_finished.emit(result)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._thread is None:
            return
        self._thread.wait()
        self._thread.deleteLater()
        self._thread = self._worker = None
        self._set_state(IDLE)

    # --- metadata ------------------------------------------------------------------------------

    def current_meta(self) -> dict:
        """Checkpoint metadata for the newest weights: the run's settings, data and history."""
        c = self.config or RunConfig()
        meta = dict(self.meta)
        info = self.data_info
        meta.update({
            "name": c.name,
            "arch": (meta.get("arch", "custom") if c.from_current
                     else c.arch if isinstance(c.arch, str) else "custom"),
            "training": c.training_meta(),
            **self.history.to_meta(),
        })
        if info:
            validation = (f"the files {', '.join(c.val_files)}" if c.val_files else
                          f"{c.val_fraction:.0%} held out, writer-disjoint where writers are known")
            meta.update(data=dict(info["sources"]), train_n=info["train_n"], val_n=info["val_n"],
                        validation=validation)
        if self.last_epoch is not None and "per_class" in self.last_epoch:
            meta.update(val_accuracy=self.last_epoch["entry"]["val_accuracy"],
                        val_per_class=self.last_epoch["per_class"])
            meta.pop("changed_since_validation", None)  # validated again: these weights'
        return meta
