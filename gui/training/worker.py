"""The training worker: a QObject in its own QThread that drives `fit`'s generator.

`cnn.runs.prepare` sets the run up as `python -m cnn train` does; the worker pulls one item at a
time, and between items honours pause, step and stop (the loop yields, the GUI thread receives).
What it sends the GUI is throttled (progress at most every PROGRESS_INTERVAL, weights every
WEIGHTS_INTERVAL and at each epoch's end) and always new arrays (see RunWatch).
"""

import contextlib
import logging
import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from cnn import blas
from cnn.data import DataError
from cnn.model import Sequential
from cnn.parallel import lower_thread_priority
from cnn.runs.config import RunConfig
from cnn.runs.setup import prepare
from cnn.runs.sources import Cancelled
from cnn.train import TrainingDiverged
from gui.training.background import end_in_gui_thread
from gui.training.watch import RunWatch

log = logging.getLogger(__name__)
DIVERGED = "Training stopped: the loss became NaN or infinite (learning rate too high?)."
SYNTHETIC_WORKERS = 2  # processes drawing synthetic letters: the window keeps cores free
TRAINING_NICE = 10  # the training thread and its shares, below the window (nice 0)
DRAWING_GRACE = 0.3  # s after a move of the pen during which training keeps to one core


class TrainWorker(QObject):
    """Loads the data, then trains; every signal carries fresh objects the GUI may keep."""

    status_changed = Signal(str, float)  # text, fraction done (-1: unknown)
    data_loaded = Signal(object)  # dict: sources, train_n, val_n, val_x, val_y, spec, ...
    progressed = Signal(object)  # dict: a chunk of batches (x, loss, accuracy, norms) + rates
    epoch_finished = Signal(object)  # dict: history entry, confusion, per_class, gallery
    step_inspected = Signal(object)  # gradient_flow() of one sample, after a Step
    weights_ready = Signal(object, object)  # a model nobody else holds, info dict
    paused = Signal()  # between batches, everything so far sent; waits for resume, step or stop
    finished = Signal(object)  # dict: reason ('done', 'stopped', 'diverged', 'failed'), message

    PROGRESS_INTERVAL = 0.2  # 5 redraws a second look live; more takes the trainer's CPU
    WEIGHTS_INTERVAL = 0.5

    def __init__(self, config: RunConfig, model: Sequential | None = None,
                 epoch_offset: int = 0, paused: bool = False):
        super().__init__()
        self.config = config
        self._model = model  # fine-tune this one (a copy the caller gave away), else build
        self._offset = epoch_offset
        self._cv = threading.Condition()
        self._paused = paused
        self._stop = False
        self._steps_wanted = 0
        self._stepping = False
        self._watch: RunWatch | None = None  # once the data is loaded
        self._trained = False  # a batch has changed the weights
        self._last_emit = self._last_weights = 0.0
        self._drawing_until = 0.0  # time.monotonic() until which a person is drawing
        self.result: dict | None = None  # set before `finished`, read by stop_and_wait

    # --- requests from the GUI thread (thread-safe) --------------------------------------------

    def request_pause(self) -> None:
        with self._cv:
            self._paused = True

    def request_resume(self) -> None:
        with self._cv:
            self._paused, self._steps_wanted = False, 0
            self._cv.notify_all()

    def person_is_drawing(self) -> None:
        """The pen moved: train on one core for a moment, leaving the other to the window."""
        self._drawing_until = time.monotonic() + DRAWING_GRACE  # one float: no lock needed

    def _threads(self) -> int | None:
        """Threads for the next batch: one while a person draws, else the run's setting."""
        if time.monotonic() < self._drawing_until:
            return 1
        return self.config.blas_threads

    def request_step(self) -> None:
        """Train exactly one more batch, then stay paused."""
        with self._cv:
            self._paused = True
            self._steps_wanted += 1
            self._cv.notify_all()

    def request_stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()

    def stop_requested(self) -> bool:
        return self._stop

    def is_paused(self) -> bool:
        with self._cv:
            return self._paused

    def _gate(self) -> bool:
        """Block while paused; False when stopped. Marks the next batch as a Step when it is."""
        with self._cv:
            if self._stepping:  # a Step that met an epoch's end still owes its batch
                return not self._stop
            idle = self._paused and not self._stop and not self._steps_wanted
        if idle and self._trained:
            # Pausing: the GUI gets every batch so far and the weights as they stand.
            self._flush(force=True)
            if self._last_weights < self._last_emit:
                self._publish(final=False)
        if idle:
            self.paused.emit()
        with self._cv:
            while self._paused and not self._stop and not self._steps_wanted:
                self._cv.wait()
            if self._steps_wanted:
                self._steps_wanted -= 1
                self._stepping = True
            return not self._stop

    # --- the run -------------------------------------------------------------------------------

    @Slot()
    def run(self) -> None:
        # The window's thread, which draws, goes first on the cores; training takes the rest.
        lower_thread_priority(TRAINING_NICE)
        result = {"reason": "done", "message": ""}
        try:
            self._train()
            if self._stop:
                result = {"reason": "stopped", "message": "Training stopped."}
        except Cancelled:
            result = {"reason": "stopped", "message": "Stopped while loading the data."}
        except TrainingDiverged as e:
            log.warning("training diverged at epoch %s, step %s: %s", e.epoch, e.step, e)
            self._model.load_state_dict(self._watch.restorable(e.last_good_state))
            result = {"reason": "diverged", "message": DIVERGED,
                      "detail": str(e), "epoch": e.epoch, "step": e.step}
        except DataError as e:  # the person's data or settings: the message says it all
            log.warning("training refused: %s", e)
            result = {"reason": "failed", "message": f"Training failed: {e}"}
        except Exception as e:  # anything else: say it, and keep the traceback for a report
            log.exception("training failed")  # the message keeps str(e); the log, the rest
            result = {"reason": "failed", "message": f"Training failed: {e}"}
        self._flush(force=True)
        if self._trained:
            self._publish(final=True)
        self.result = result
        self.status_changed.emit(result["message"] or "Training finished.", 1.0)
        self.finished.emit(result)
        end_in_gui_thread(self)

    def _report(self, fraction: float, text: str) -> None:
        self.status_changed.emit(text, float(fraction))

    def _train(self) -> None:
        c = self.config
        setup = prepare(c, self._model, epoch_offset=self._offset, report=self._report,
                        cancelled=self.stop_requested, workers=SYNTHETIC_WORKERS)
        self._model = setup.model
        self._watch = RunWatch(setup)
        self.data_loaded.emit(self._watch.data_info())
        if self._stop:
            return
        self.status_changed.emit(f"training on {len(setup.data.train):,} letters", 0.0)
        limit = blas.limit(c.blas_threads) if c.blas_threads else contextlib.nullcontext()
        with limit:
            self._loop(setup.batches(track_norms=True, threads=self._threads))

    def _loop(self, gen) -> None:
        try:
            while self._gate():
                t = time.perf_counter()
                with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught
                    item = next(gen, None)
                if item is None:
                    break
                if item.kind == "step":
                    self._on_step(item, time.perf_counter() - t)
                else:
                    self._on_epoch(item)
        finally:
            gen.close()

    def _on_step(self, item, seconds: float) -> None:
        self._trained = True
        self._watch.add_step(item, seconds)
        stepping = self._stepping
        self._flush(force=stepping)
        if stepping or time.perf_counter() - self._last_weights >= self.WEIGHTS_INTERVAL:
            self._publish(final=False)
        if stepping:
            self.step_inspected.emit(self._watch.gradient_flow())
            with self._cv:
                self._stepping = False

    def _on_epoch(self, item) -> None:
        self._flush(force=True)
        self.epoch_finished.emit(self._watch.epoch_result(item))
        self._publish(final=False)

    def _flush(self, force: bool) -> None:
        """Send the batches gathered since the last send, at most every PROGRESS_INTERVAL."""
        now = time.perf_counter()
        if self._watch is None or not self._watch.has_batches() or (
                not force and now - self._last_emit < self.PROGRESS_INTERVAL):
            return
        self._last_emit = now
        self.progressed.emit(self._watch.take_progress())

    def _publish(self, final: bool) -> None:
        self._last_weights = time.perf_counter()
        self.weights_ready.emit(self._watch.weights(), {"final": final})
