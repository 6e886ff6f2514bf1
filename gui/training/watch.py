"""What the Train tab shows of a run, worked out in the worker's thread. Pure NumPy (no Qt).

A RunWatch gathers the batches since the last send, the rate, each epoch's confusion, gallery
and collapse check, copies of the weights, and the weights to keep after a divergence. Every
dict it returns holds new arrays, so the GUI may keep them.
"""

import time
from collections import deque

import numpy as np

from cnn.runs.setup import RunSetup
from cnn.train import Progress, predict_proba
from gui.training.collapse import collapsed_to
from gui.training.gradflow import gradient_flow

GALLERY = 60  # misclassified validation letters sent per epoch, most confident mistakes first
TRAIN_CHECK = 512  # training letters read after each epoch, to notice a collapse to one letter


def layer_norms(norms: dict[str, float], layers: list[str]) -> list[float]:
    """Per-parameter norms ('conv1.weight', 'conv1.bias') -> one norm per layer."""
    sq = dict.fromkeys(layers, 0.0)
    for key, v in norms.items():
        sq[key.rsplit(".", 1)[0]] += v * v
    return [float(np.sqrt(sq[n])) for n in layers]


class RunWatch:
    """The run's record as the GUI sees it; `setup.model` is the model being trained."""

    def __init__(self, setup: RunSetup):
        self.setup = setup
        model, train = setup.model, setup.data.train
        self._template = model.copy()  # the first weights; published ones go into copies
        self._probe = model.copy()
        self._probe_rng = np.random.default_rng(setup.config.seed + 1)
        self._check = np.sort(self._probe_rng.permutation(len(train))[:TRAIN_CHECK])
        self.layers = [n for n, layer in model.layers if layer.params]
        self._recent: list[dict] = []  # the last two published states, for a divergence
        self._chunk: list[tuple] = []  # batches since the last send
        self._window: deque = deque(maxlen=30)  # (seconds, samples) of recent batches
        self._last: Progress | None = None
        self._t0 = time.perf_counter()
        self._total = setup.config.epochs * len(train)
        self._done = 0

    def data_info(self) -> dict:
        """What data_loaded carries: sources, sizes, the validation letters, the spec."""
        data, model = self.setup.data, self.setup.model
        return {"sources": data.sources.counts(), "train_n": len(data.train),
                "val_n": len(data.val), "val_x": data.val.x.copy(), "val_y": data.val.y.copy(),
                "train_counts": data.train.counts(), "spec": model.spec,
                "num_parameters": model.num_parameters(), "summary": data.summary()}

    def has_batches(self) -> bool:
        return bool(self._chunk)

    def add_step(self, item: Progress, seconds: float) -> None:
        size = item.letters
        self._done += size
        self._window.append((seconds, size))
        self._chunk.append((self.setup.epoch_offset + item.epoch - 1
                            + item.step / item.steps_per_epoch, item.loss, item.accuracy,
                            layer_norms(item.grad_norms, self.layers),
                            layer_norms(item.update_norms, self.layers)))
        self._last = item

    def take_progress(self) -> dict:
        """The batches since the last call (curves, norms) with the rate and the ETA."""
        xs, loss, acc, g, u = zip(*self._chunk, strict=True)
        self._chunk = []
        seconds = sum(d for d, _ in self._window)
        rate = sum(s for _, s in self._window) / seconds if seconds > 0 else 0.0
        last = self._last
        return {
            "x": np.array(xs), "loss": np.array(loss), "accuracy": np.array(acc),
            "layers": list(self.layers), "grad_norms": np.array(g), "update_norms": np.array(u),
            "epoch": last.epoch, "epochs": last.epochs, "step": last.step,
            "steps_per_epoch": last.steps_per_epoch, "global_step": last.global_step,
            "samples_per_s": rate, "fit_samples_per_s": last.samples_per_s,
            "eta_s": (self._total - self._done) / rate if rate > 0 else float("inf"),
            "fraction": self._done / self._total,
        }

    def epoch_result(self, item: Progress) -> dict:
        """History entry, confusion, per-class accuracy, gallery and any collapse of an epoch."""
        train, val = self.setup.data.train, self.setup.data.val
        entry = self.setup.end_epoch(item, time.perf_counter() - self._t0)
        out = {"entry": entry, "epoch": item.epoch, "epochs": item.epochs}
        train_pred = predict_proba(self.setup.model, train.x[self._check]).argmax(axis=1)
        collapse = {"training": collapsed_to(train_pred, train.y[self._check])}
        if item.val is not None:
            pred = np.array(item.val["predictions"])
            out.update(confusion=np.array(item.val["confusion"]),
                       per_class=list(item.val["per_class"]), predictions=pred,
                       gallery=self._gallery(pred))
            collapse["validation"] = collapsed_to(pred, val.y)
        out["collapse"] = {k: v for k, v in collapse.items() if v is not None}
        return out

    def _gallery(self, pred: np.ndarray) -> dict:
        """Misclassified validation letters with their top-3 guesses, surest mistakes first."""
        val = self.setup.data.val
        wrong = np.flatnonzero(pred != val.y)
        if len(wrong) > 4 * GALLERY:
            wrong = np.sort(self._probe_rng.choice(wrong, 4 * GALLERY, replace=False))
        if not len(wrong):
            return {"index": wrong, "top": np.zeros((0, 3), np.int64), "p": np.zeros((0, 3))}
        probs = predict_proba(self.setup.model, val.x[wrong])
        order = np.argsort(-probs.max(axis=1))[:GALLERY]
        wrong, probs = wrong[order], probs[order]
        top = np.argsort(-probs, axis=1)[:, :3]
        return {"index": wrong, "top": top, "p": np.take_along_axis(probs, top, axis=1)}

    def weights(self):
        """A copy of the model as it stands, nobody else's; kept among the recent states."""
        model = self._template.copy()
        model.load_state_dict(self.setup.model.parameters())
        self._recent = [*self._recent, model.state_dict()][-2:]
        return model

    def restorable(self, last_good: dict) -> dict:
        """Weights to keep after a divergence: the engine's last finite ones if they still give
        finite scores, else the newest published weights that do, else the run's first."""
        x = self.setup.data.train.x[:64].astype(np.float32)[:, None] / 255
        for state in (last_good, *reversed(self._recent)):
            self._probe.load_state_dict(state)
            with np.errstate(over="ignore", invalid="ignore"):
                if np.isfinite(self._probe.forward(x)).all():
                    return state
        return self._template.state_dict()

    def gradient_flow(self) -> dict:
        """gradient_flow() of one random training letter through the current weights."""
        train = self.setup.data.train
        i = int(self._probe_rng.integers(len(train)))
        self._probe.load_state_dict(self.setup.model.parameters())
        return gradient_flow(self._probe, train.x[i].astype(np.float32) / 255, int(train.y[i]))
