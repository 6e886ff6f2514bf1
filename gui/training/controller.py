"""The training controller: lives in the GUI thread, owns the run's thread and TrainWorker.

It starts a fresh worker per run in a WorkerThread, which keeps both referenced until the
thread has ended. Every worker signal is received here, in the GUI thread, and re-emitted:
widgets and tests connect to the controller only. It also keeps the model's History and the
newest trained model.
"""

from PySide6.QtCore import QObject, QThread, Signal, Slot

from cnn.model import Sequential
from cnn.runs.config import RunConfig
from cnn.runs.meta import run_meta
from gui.training.background import WorkerThread
from gui.training.history import History
from gui.training.worker import TrainWorker

IDLE, LOADING, RUNNING, PAUSED, STOPPING = "idle", "loading", "running", "paused", "stopping"
# The worker's signals, each received by _on_worker_<name> in the GUI thread.
WORKER_SIGNALS = ("status_changed", "data_loaded", "progressed", "epoch_finished",
                  "step_inspected", "weights_ready", "paused", "finished")


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
        self._runner = WorkerThread("training", self)
        self._runner.ended.connect(self._on_runner_ended)
        self._worker: TrainWorker | None = None
        self._state = IDLE
        self.history = History()
        self._carry = 0.0  # epochs a run's curves are drawn further right (History.carry_on)
        self.config: RunConfig | None = None
        self.model: Sequential | None = None  # the newest weights of the last run
        self.meta: dict = {}
        self.data_info: dict = {}
        self.last_epoch: dict | None = None
        self.last_result: dict | None = None

    @property
    def state(self) -> str:
        return self._state

    def is_running(self) -> bool:
        """True from start() until the worker's thread has ended (paused counts as running)."""
        return self._runner.is_busy()

    def run_thread(self) -> QThread | None:
        """The running run's thread (None between runs)."""
        return self._runner.qthread

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
        self._carry = self.history.carry_on()  # a stopped epoch's batches stay, this run after
        self.meta = {k: v for k, v in (meta or {}).items() if model is not None}
        self.last_epoch, self.last_result, self.data_info = None, None, {}
        worker = TrainWorker(config, None if model is None else model.copy(),
                             epoch_offset=self.history.last_epoch, paused=paused)
        for name in WORKER_SIGNALS:
            getattr(worker, name).connect(getattr(self, f"_on_worker_{name}"))
        self._worker = worker
        self._set_state(LOADING)
        self._runner.start(worker, stop=worker.request_stop)

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

    def person_is_drawing(self) -> None:
        """Called on every move of the pen: the run keeps to one core for a moment."""
        if self._worker is not None:
            self._worker.person_is_drawing()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.request_stop()
            self._set_state(STOPPING)

    def stop_and_wait(self, timeout_s: float = 10.0) -> bool:
        """Stop the run and block until its thread ends (for closeEvent); True when it ended."""
        if not self.is_running():
            return True
        self.stop()
        return self._runner.wait(timeout_s)

    # --- from the worker (queued: these run in the GUI thread) -------------------------------

    @Slot(str, float)
    def _on_worker_status_changed(self, text: str, fraction: float) -> None:
        self.status_changed.emit(text, fraction)

    @Slot(object)
    def _on_worker_data_loaded(self, info: dict) -> None:
        self.data_info = info
        if self._state == LOADING:
            paused = self._worker is not None and self._worker.is_paused()
            self._set_state(PAUSED if paused else RUNNING)
        self.data_loaded.emit(info)

    @Slot(object)
    def _on_worker_progressed(self, chunk: dict) -> None:
        if self._carry:
            chunk = {**chunk, "x": chunk["x"] + self._carry}
        self.history.add_batches(chunk)
        self.progressed.emit(chunk)

    @Slot(object)
    def _on_worker_epoch_finished(self, result: dict) -> None:
        if self._carry:  # drawn where its batches end; still numbered by completed epochs
            result = {**result, "entry": {**result["entry"],
                                          "at": result["entry"]["epoch"] + self._carry}}
        self.history.add_epoch(result["entry"])
        self.last_epoch = result
        self.epoch_finished.emit(result)

    @Slot(object)
    def _on_worker_step_inspected(self, flow: dict) -> None:
        self.step_inspected.emit(flow)

    @Slot(object, object)
    def _on_worker_weights_ready(self, model: Sequential, info: dict) -> None:
        self.model = model
        self.meta = self.current_meta()
        self.weights_published.emit(model, self.meta)

    @Slot()
    def _on_worker_paused(self) -> None:
        self.worker_paused.emit()

    @Slot(object)
    def _on_worker_finished(self, result: dict) -> None:
        if self.last_result is not None:  # stop_and_wait already did this
            return
        self.last_result = result
        self.run_finished.emit(result)

    @Slot()
    def _on_runner_ended(self) -> None:
        self._worker = None
        self._set_state(IDLE)

    # --- metadata ------------------------------------------------------------------------------

    def current_meta(self) -> dict:
        """Checkpoint metadata for the newest weights: the run's settings, data and history."""
        last = self.last_epoch
        val = None
        if last is not None and "per_class" in last:
            val = {"accuracy": last["entry"]["val_accuracy"], "per_class": last["per_class"]}
        meta = run_meta(self.config or RunConfig(), self.meta,
                        self.data_info.get("summary"), val)
        meta.update(self.history.to_meta())
        return meta
