"""The true letter the loss and backpropagation chapters use: the network's guess unless the
person chooses another."""

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnn.data import LETTERS


class Truth(QObject):
    """`index(probs)` is the chosen letter, or the guess; `choose(None)` follows the guess."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.chosen: int | None = None

    def index(self, probs: np.ndarray) -> int:
        return int(np.argmax(probs)) if self.chosen is None else self.chosen

    def choose(self, index: int | None) -> None:
        if index != self.chosen:
            self.chosen = index
            self.changed.emit()

    def describe(self, probs: np.ndarray) -> str:
        letter = LETTERS[self.index(probs)]
        return f"{letter} (the guess)" if self.chosen is None else letter
