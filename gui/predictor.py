"""The one place a drawing becomes a prediction: preprocess, layer outputs, softmax, saliency.

A whole prediction (preprocess, forward through every layer, one backward for the saliency) takes
a few milliseconds for the default model, well inside a frame, so it runs in the GUI thread:
no worker, no copies, no stale results. One BLAS thread keeps the tail latency flat.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn import blas
from cnn.checkpoint import LETTERS
from cnn.functional import softmax
from cnn.model import Sequential
from cnn.preprocess import BLANK_FRACTION, Preprocessed, preprocess_strokes
from gui.untrusted import as_meta, elide, name_of


@dataclass(frozen=True)
class Prediction:
    """What the panels show for one drawing. Blank drawings carry no probabilities."""

    pre: Preprocessed
    activations: dict[str, np.ndarray] = field(default_factory=dict)  # one sample: (C,H,W)/(F,)
    probs: np.ndarray | None = None  # (26,) softmax
    saliency: np.ndarray | None = None  # (28, 28) d logit[top] / d input
    elapsed_ms: float = 0.0

    @property
    def blank(self) -> bool:
        return self.probs is None

    @property
    def too_small(self) -> bool:
        """Blank although there is ink: a dot or a scribble too small to read."""
        return self.pre.too_small

    def least_pixels(self) -> int:
        """The fewest canvas pixels the strokes' points must span, the pen's width not counted
        (preprocessing measures the path of the pen's centre), to be read (when too small)."""
        return math.floor(self.pre.min_side) + 1

    def too_small_text(self) -> str:
        """Why a drawing with ink gets no reading, and what to do, in one sentence."""
        return (f"The drawing is too small to read: draw the letter at least "
                f"{self.least_pixels()} px across ({BLANK_FRACTION:.0%} of the canvas's longer "
                "side), not counting the pen's width: the network measures the path of the "
                "pen's centre, so a click spans 0 px however wide the pen.")

    def too_small_lines(self) -> list[str]:
        """too_small_text in three short lines, for the Prediction panel (they fit at 1280×720)."""
        return ["too small to read:", f"draw it at least {self.least_pixels()} px across,",
                "not counting the pen's width"]

    @property
    def top_index(self) -> int | None:
        return None if self.probs is None else int(np.argmax(self.probs))

    @property
    def top_letter(self) -> str | None:
        i = self.top_index
        return None if i is None else LETTERS[i]

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The k most likely letters with their probabilities, best first."""
        if self.probs is None:
            return []
        order = np.argsort(self.probs)[::-1][:k]
        return [(LETTERS[i], float(self.probs[i])) for i in order]


class Predictor(QObject):
    """Owns the live model; `predict(strokes, canvas_size)` emits `predicted(Prediction)`."""

    predicted = Signal(object)
    model_changed = Signal()

    def __init__(self, model: Sequential, meta: dict | None = None, name: str = "",
                 parent: QObject | None = None):
        super().__init__(parent)
        self._model, self._meta, self._name = model, as_meta(meta), elide(name)
        self.last: Prediction | None = None

    @property
    def model(self) -> Sequential:
        return self._model

    @property
    def meta(self) -> dict:
        return self._meta

    @property
    def name(self) -> str:
        return self._name

    def set_model(self, model: Sequential, meta: dict | None = None, name: str = "") -> None:
        """Swap in another model (the caller hands it over: it must not keep training it)."""
        self._model, self._meta = model, as_meta(meta)
        self._name = elide(name) if name else name_of(self._meta)
        self.model_changed.emit()

    def rename(self, name: str) -> None:
        """Change the display name only (the weights stay; nothing is read again)."""
        self._name = elide(name) if name else self._name

    def predict(self, strokes, canvas_size) -> Prediction:
        """Strokes (list of (n, 2) x, y arrays) on a canvas of `canvas_size` -> Prediction."""
        t0 = time.perf_counter()
        pre = preprocess_strokes(strokes, canvas_size)
        if pre.blank:
            result = Prediction(pre, elapsed_ms=(time.perf_counter() - t0) * 1e3)
        else:
            with blas.limit(1):
                result = self._run(pre, t0)
        self.last = result
        self.predicted.emit(result)
        return result

    def _run(self, pre: Preprocessed, t0: float) -> Prediction:
        model = self._model
        x = pre.image[None, None].astype(model.dtype, copy=False)
        acts = model.activations(x)
        logits = acts[model.layers[-1][0]]
        probs = softmax(logits.astype(np.float64))[0]
        top = int(np.argmax(probs))
        # The backward of the forward just run: d logit[top] / d input, without a second pass.
        dlogits = np.zeros_like(logits)
        dlogits[0, top] = 1.0
        saliency = model.backward(dlogits, need_input_grad=True, need_param_grads=False)[0, 0]
        return Prediction(pre, {k: v[0] for k, v in acts.items()}, probs,
                          np.array(saliency, np.float32), (time.perf_counter() - t0) * 1e3)
