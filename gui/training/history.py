"""A model's training record: per-batch curves and per-epoch entries, to and from checkpoints.

The per-epoch entries use the keys `python -m cnn train` writes to a checkpoint's "history"
(epoch, loss, accuracy, val_loss, val_accuracy, lr, seconds); the per-batch curves go to a
"curves" entry beside it, thinned to at most MAX_POINTS, so reopening a model redraws both.
"""

import numpy as np

from gui.untrusted import entries, mapping

MAX_POINTS = 2000
_SERIES = ("x", "loss", "accuracy")


class History:
    """x (fractional epochs), loss and accuracy per batch; per-layer gradient and update norms."""

    def __init__(self):
        self.x = np.zeros(0)
        self.loss = np.zeros(0)
        self.accuracy = np.zeros(0)
        self.layers: list[str] = []
        self.grad_norms = np.zeros((0, 0))  # (batches, layers)
        self.update_norms = np.zeros((0, 0))
        self.epochs: list[dict] = []

    def __repr__(self) -> str:
        return f"History(batches={len(self.x)}, epochs={len(self.epochs)}, layers={self.layers})"

    def __len__(self) -> int:
        return len(self.x)

    @property
    def last_epoch(self) -> int:
        """Completed epochs so far, counting earlier runs of the same model."""
        return int(self.epochs[-1]["epoch"]) if self.epochs else 0

    def add_batches(self, chunk: dict) -> None:
        """Append a worker chunk: x, loss, accuracy (k,), layers, grad/update norms (k, L)."""
        self.x = np.concatenate([self.x, chunk["x"]])
        self.loss = np.concatenate([self.loss, chunk["loss"]])
        self.accuracy = np.concatenate([self.accuracy, chunk["accuracy"]])
        layers = list(chunk.get("layers", []))
        g, u = chunk.get("grad_norms"), chunk.get("update_norms")
        if g is None or not layers:
            return
        if layers != self.layers:  # a new architecture: older norms no longer line up
            self.layers = layers
            self.grad_norms = np.full((len(self.x) - len(g), len(layers)), np.nan)
            self.update_norms = self.grad_norms.copy()
        self.grad_norms = np.concatenate([self.grad_norms, g])
        self.update_norms = np.concatenate([self.update_norms, u])

    def carry_on(self) -> float:
        """How far past its last completed epoch the record's batches reach (0 unless a run
        was stopped part-way through an epoch): a run that goes on from these weights draws
        its batches and epochs that much further right, after the stopped part, which the
        weights went through too."""
        return max(0.0, float(self.x[-1]) - self.last_epoch) if len(self.x) else 0.0

    def add_epoch(self, entry: dict) -> None:
        self.epochs.append(dict(entry))

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(where, values) of an epoch entry key such as 'val_accuracy', gaps dropped; where is
        the epoch's number, or its 'at' when a run carried on after a stopped one."""
        pts = [(e.get("at", e["epoch"]), e.get(key)) for e in self.epochs
               if e.get(key) is not None]
        if not pts:
            return np.zeros(0), np.zeros(0)
        a = np.asarray(pts, np.float64)
        return a[:, 0], a[:, 1]

    # --- checkpoint metadata -------------------------------------------------------------------

    def to_meta(self) -> dict:
        """{"history": [...], "curves": {...}} for checkpoint.save's metadata."""
        curves = {k: _thin(getattr(self, k)).tolist() for k in _SERIES}
        if self.layers:
            curves["layers"] = list(self.layers)
            curves["grad_norms"] = _thin(self.grad_norms).tolist()
            curves["update_norms"] = _thin(self.update_norms).tolist()
        return {"history": [dict(e) for e in self.epochs], "curves": curves}

    @classmethod
    def from_meta(cls, meta: dict | None) -> "History":
        """The history a checkpoint's metadata carries; anything malformed is left out (a model
        may come from any file: every entry and value is type-checked)."""
        h = cls()
        h.epochs = [e for e in map(_epoch_entry, entries(meta, "history")) if e is not None]
        curves = mapping(meta, "curves")
        try:
            arrays = [np.asarray(curves.get(k, []), np.float64) for k in _SERIES]
            if all(a.ndim == 1 for a in arrays) and len({len(a) for a in arrays}) == 1:
                h.x, h.loss, h.accuracy = arrays
            layers = curves.get("layers")
            layers = [str(n) for n in layers] if isinstance(layers, list) else []
            g = np.asarray(curves.get("grad_norms", []), np.float64)
            u = np.asarray(curves.get("update_norms", []), np.float64)
            if layers and g.shape == u.shape == (len(h.x), len(layers)):
                h.layers, h.grad_norms, h.update_norms = layers, g, u
        except (TypeError, ValueError, OverflowError):  # nulls, strings, ragged lists
            h.x = h.loss = h.accuracy = np.zeros(0)
        return h


def _epoch_entry(entry: dict) -> dict | None:
    """An epoch entry with only numeric (or null) values, None without a whole epoch number."""
    epoch = entry.get("epoch")
    if (isinstance(epoch, bool) or not isinstance(epoch, int | float)
            or not np.isfinite(epoch) or not 0 <= epoch < 2**31):
        return None
    return {k: v for k, v in entry.items() if v is None or (
        isinstance(v, int | float) and not isinstance(v, bool))}


def _thin(a: np.ndarray, limit: int = MAX_POINTS) -> np.ndarray:
    """At most `limit` rows: NaN-aware means of consecutive blocks, rounded for a small file."""
    a = np.asarray(a, np.float64)
    if len(a) > limit:
        starts = np.linspace(0, len(a), limit + 1).astype(np.intp)[:-1]
        finite = np.isfinite(a)
        sums = np.add.reduceat(np.where(finite, a, 0.0), starts, axis=0)
        counts = np.add.reduceat(finite.astype(np.int64), starts, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):  # all-NaN blocks stay NaN
            a = sums / counts
    return _significant(a)


def _significant(a: np.ndarray, digits: int = 6) -> np.ndarray:
    """Round to `digits` significant digits (norms span decades: fixed decimals would not do)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(a)))
    scale = 10.0 ** (digits - 1 - np.where(np.isfinite(magnitude), magnitude, 0))
    return np.round(a * scale) / scale


def smooth(values: np.ndarray, alpha: float = 0.05,
           state: tuple[float, float] = (0.0, 0.0)) -> tuple[np.ndarray, tuple[float, float]]:
    """Bias-corrected exponential moving average, continued from `state`; returns (out, state).

    Feed it chunk by chunk as batches arrive: the curve costs O(new points) per update.
    """
    values = np.asarray(values, np.float64)
    out = np.empty_like(values)
    acc, weight = state
    for i, v in enumerate(values):
        acc = (1 - alpha) * acc + alpha * v
        weight = (1 - alpha) * weight + alpha
        out[i] = acc / weight
    return out, (acc, weight)
