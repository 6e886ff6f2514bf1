"""The true letter the loss and backpropagation chapters use: the network's guess unless the
person chooses another, for the drawing on which they chose it."""

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn.data import LETTERS


class Truth(QObject):
    """`index(probs)` is the chosen letter, or the guess; `choose(None)` follows the guess;
    `follow(image)` forgets a choice made on another drawing."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.chosen: int | None = None
        self._drawing: np.ndarray | None = None  # the image the choice was made on

    def index(self, probs: np.ndarray) -> int:
        return int(np.argmax(probs)) if self.chosen is None else self.chosen

    def choose(self, index: int | None) -> None:
        if index != self.chosen:
            self.chosen = index
            self.changed.emit()

    def follow(self, image: np.ndarray | None) -> None:
        """The drawing the chapters explain (None when there is none). A letter chosen for one
        drawing is no answer for the next: "Keep this step" would teach it the wrong letter.
        The same drawing under a new model (after a kept step) keeps the choice."""
        same = (image is not None and self._drawing is not None
                and np.array_equal(image, self._drawing))
        self._drawing = None if image is None else np.array(image, copy=True)
        if not same:
            self.choose(None)

    def describe(self, probs: np.ndarray) -> str:
        letter = LETTERS[self.index(probs)]
        return f"{letter} (the guess)" if self.chosen is None else letter
