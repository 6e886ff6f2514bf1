"""The training worker: a QObject living in its own QThread that drives `cnn.train.fit`.

It trains its own model. Pause, resume, step and stop are thread-safe requests, honoured between
batches. What it sends the GUI is throttled (progress at most every PROGRESS_INTERVAL, weights
every WEIGHTS_INTERVAL and at each epoch's end) and always copied: the GUI never sees an array
the worker will write into again.
"""

import contextlib
import logging
import threading
import time
from collections import deque

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from cnn import blas
from cnn.data import split
from cnn.model import Sequential, build_model
from cnn.optim import make_optimizer
from cnn.train import TrainingDiverged, fit, predict_proba
from gui.training.collapse import collapsed_to
from gui.training.config import RunConfig
from gui.training.gradflow import gradient_flow
from gui.training.sources import Cancelled, combined, load_file, load_sources

log = logging.getLogger(__name__)
DIVERGED = "Training stopped: the loss became NaN or infinite (learning rate too high?)."
GALLERY = 60  # misclassified validation letters sent per epoch, most confident mistakes first
TRAIN_CHECK = 512  # training letters read after each epoch, to notice a collapse to one letter


def _layer_norms(norms: dict[str, float], layers: list[str]) -> list[float]:
    """Per-parameter norms ('conv1.weight', 'conv1.bias') -> one norm per layer."""
    sq = dict.fromkeys(layers, 0.0)
    for key, v in norms.items():
        sq[key.rsplit(".", 1)[0]] += v * v
    return [float(np.sqrt(sq[n])) for n in layers]


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
        self._trained = False
        self._last_emit = self._last_weights = 0.0
        self.result: dict | None = None  # set before `finished`, read by stop_and_wait

    # --- requests from the GUI thread (thread-safe) --------------------------------------------

    def request_pause(self) -> None:
        with self._cv:
            self._paused = True

    def request_resume(self) -> None:
        with self._cv:
            self._paused, self._steps_wanted = False, 0
            self._cv.notify_all()

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
        result = {"reason": "done", "message": ""}
        try:
            self._train()
            if self._stop:
                result = {"reason": "stopped", "message": "Training stopped."}
        except Cancelled:
            result = {"reason": "stopped", "message": "Stopped while loading the data."}
        except TrainingDiverged as e:
            log.warning("training diverged at epoch %s, step %s: %s", e.epoch, e.step, e)
            self._model.load_state_dict(self._restorable(e.last_good_state))
            result = {"reason": "diverged", "message": DIVERGED,
                      "detail": str(e), "epoch": e.epoch, "step": e.step}
        except Exception as e:  # DataError, bad settings, unreadable files, anything: say it
            log.exception("training failed")  # the message keeps str(e); the log, the rest
            result = {"reason": "failed", "message": f"Training failed: {e}"}
        self._flush(force=True)
        if self._trained:
            self._publish(final=True)
        self.result = result
        self.status_changed.emit(result["message"] or "Training finished.", 1.0)
        self.finished.emit(result)
        # Hand the worker back to the GUI thread so it is deleted there once its thread ends,
        # and end the thread from here: a queued quit() would wait for a GUI thread that may
        # be blocked in stop_and_wait().
        thread = self.thread()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        thread.quit()

    def _report(self, fraction: float, text: str) -> None:
        self.status_changed.emit(text, float(fraction))

    def _train(self) -> None:
        c = self.config
        sets = load_sources(c, self._report, self.stop_requested)
        data = combined(sets)
        rng = np.random.default_rng(c.seed)
        if c.val_files:
            report = self._report
            report(-1.0, "reading the validation letters")
            train, val = data, combined([load_file(p) for p in c.val_files])
        else:
            train, val = split(data, c.val_fraction, rng)
        if not len(train):
            raise ValueError("every letter went to validation; lower the validation fraction")
        if self._model is None:
            self._model = build_model(c.arch, rng, init_std=c.init_std)
        model = self._model
        self._template = model.copy()  # the first weights; published ones go into copies
        self._recent: list[dict] = []  # the last two published states, for a divergence
        self._probe = model.copy()
        self._probe_rng = np.random.default_rng(c.seed + 1)
        self._train_x, self._train_y = train.x, train.y
        self._check = np.sort(self._probe_rng.permutation(len(train))[:TRAIN_CHECK])
        self._val_x, self._val_y = val.x, val.y
        self._layers = [n for n, layer in model.layers if layer.params]
        self.data_loaded.emit({
            "sources": [(s.source or "data", len(s)) for s in sets],
            "train_n": len(train), "val_n": len(val),
            "val_x": val.x.copy(), "val_y": val.y.copy(), "train_counts": train.counts(),
            "spec": model.spec, "num_parameters": model.num_parameters(),
            "writer_disjoint": bool((data.writer >= 0).any()),
        })
        if self._stop:
            return
        opt = make_optimizer(c.optimizer, c.lr, c.momentum)
        augment = None
        if c.augment or c.degrade:
            from cnn.augment import compose

            augment = compose(c.augment, c.degrade)
        self._chunk = []
        self._last_emit = self._last_weights = 0.0
        self._window = deque(maxlen=30)  # (seconds, samples) of recent batches: the rate
        self._t0 = time.perf_counter()
        self._total = c.epochs * len(train)
        self._done = 0
        self.status_changed.emit(f"training on {len(train):,} letters", 0.0)
        gen = fit(model, train.x, train.y, val=(val.x, val.y) if len(val) else None,
                  epochs=c.epochs, batch_size=c.batch_size, optimizer=opt, rng=rng,
                  augment=augment, track_norms=True, threads=c.blas_threads)
        limit = blas.limit(c.blas_threads) if c.blas_threads else contextlib.nullcontext()
        with limit:
            self._loop(gen, opt, len(train))

    def _loop(self, gen, opt, n: int) -> None:
        try:
            while self._gate():
                t = time.perf_counter()
                with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught
                    item = next(gen, None)
                if item is None:
                    break
                dt = time.perf_counter() - t
                if item.kind == "step":
                    self._trained = True
                    self._on_step(item, dt, n)
                else:
                    self._on_epoch(item, opt.lr)
        finally:
            gen.close()

    def _on_step(self, item, dt: float, n: int) -> None:
        size = min(item.step * self.config.batch_size, n) - (item.step - 1) * self.config.batch_size
        self._done += size
        self._window.append((dt, size))
        self._chunk.append((self._offset + item.epoch - 1 + item.step / item.steps_per_epoch,
                            item.loss, item.accuracy,
                            _layer_norms(item.grad_norms, self._layers),
                            _layer_norms(item.update_norms, self._layers)))
        self._last = item
        stepping = self._stepping
        self._flush(force=stepping)
        now = time.perf_counter()
        if stepping or now - self._last_weights >= self.WEIGHTS_INTERVAL:
            self._publish(final=False)
        if stepping:
            self._inspect()
            with self._cv:
                self._stepping = False

    def _on_epoch(self, item, lr: float) -> None:
        self._flush(force=True)
        entry = {"epoch": self._offset + item.epoch, "loss": item.loss,
                 "accuracy": item.accuracy, "val_loss": item.val_loss,
                 "val_accuracy": item.val_accuracy, "lr": lr,
                 "seconds": round(time.perf_counter() - self._t0, 1)}
        out = {"entry": entry, "epoch": item.epoch, "epochs": item.epochs}
        train_pred = predict_proba(self._model, self._train_x[self._check]).argmax(axis=1)
        collapse = {"training": collapsed_to(train_pred, self._train_y[self._check])}
        if item.val is not None:
            pred = np.array(item.val["predictions"])
            out.update(confusion=np.array(item.val["confusion"]),
                       per_class=list(item.val["per_class"]), predictions=pred,
                       gallery=self._gallery(pred))
            collapse["validation"] = collapsed_to(pred, self._val_y)
        out["collapse"] = {k: v for k, v in collapse.items() if v is not None}
        self.epoch_finished.emit(out)
        self._publish(final=False)

    def _gallery(self, pred: np.ndarray) -> dict:
        """Misclassified validation letters with their top-3 guesses, surest mistakes first."""
        wrong = np.flatnonzero(pred != self._val_y)
        if len(wrong) > 4 * GALLERY:
            wrong = np.sort(self._probe_rng.choice(wrong, 4 * GALLERY, replace=False))
        if not len(wrong):
            return {"index": wrong, "top": np.zeros((0, 3), np.int64), "p": np.zeros((0, 3))}
        probs = predict_proba(self._model, self._val_x[wrong])
        order = np.argsort(-probs.max(axis=1))[:GALLERY]
        wrong, probs = wrong[order], probs[order]
        top = np.argsort(-probs, axis=1)[:, :3]
        return {"index": wrong, "top": top, "p": np.take_along_axis(probs, top, axis=1)}

    def _flush(self, force: bool) -> None:
        """Send the batches gathered since the last send, at most every PROGRESS_INTERVAL."""
        now = time.perf_counter()
        if not getattr(self, "_chunk", None) or (not force and
                                                 now - self._last_emit < self.PROGRESS_INTERVAL):
            return
        xs, loss, acc, g, u = zip(*self._chunk, strict=True)
        self._chunk = []
        self._last_emit = now
        seconds = sum(d for d, _ in self._window)
        rate = sum(s for _, s in self._window) / seconds if seconds > 0 else 0.0
        last = self._last
        self.progressed.emit({
            "x": np.array(xs), "loss": np.array(loss), "accuracy": np.array(acc),
            "layers": list(self._layers), "grad_norms": np.array(g), "update_norms": np.array(u),
            "epoch": last.epoch, "epochs": last.epochs, "step": last.step,
            "steps_per_epoch": last.steps_per_epoch, "global_step": last.global_step,
            "samples_per_s": rate, "fit_samples_per_s": last.samples_per_s,
            "eta_s": (self._total - self._done) / rate if rate > 0 else float("inf"),
            "fraction": self._done / self._total,
        })

    def _publish(self, final: bool) -> None:
        self._last_weights = time.perf_counter()
        model = self._template.copy()
        model.load_state_dict(self._model.parameters())
        self._recent.append(model.state_dict())
        self._recent = self._recent[-2:]
        self.weights_ready.emit(model, {"final": final})

    def _restorable(self, last_good: dict) -> dict:
        """Weights to keep after a divergence: the engine's last finite ones if they still give
        finite scores, else the newest published weights that do, else the run's first."""
        x = self._train_x[:64].astype(np.float32)[:, None] / 255
        for state in (last_good, *reversed(self._recent)):
            self._probe.load_state_dict(state)
            with np.errstate(over="ignore", invalid="ignore"):
                if np.isfinite(self._probe.forward(x)).all():
                    return state
        return self._template.state_dict()

    def _inspect(self) -> None:
        i = int(self._probe_rng.integers(len(self._train_x)))
        self._probe.load_state_dict(self._model.parameters())
        flow = gradient_flow(self._probe, self._train_x[i].astype(np.float32) / 255,
                             int(self._train_y[i]))
        self.step_inspected.emit(flow)
