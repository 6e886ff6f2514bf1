"""What a run shows, as tabs: learning curves, mistakes (confusion matrix and gallery),
backprop (one sample's gradients), and the training data as a batch sees it."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from cnn.data import LETTERS
from gui.training.backprop import BackpropPanel
from gui.training.confusion import ConfusionPanel
from gui.training.curves import CurvesPanel
from gui.training.gallery import Gallery, mistake_captions
from gui.training.history import History
from gui.training.preview import PreviewPanel

WAITING = "Misclassified validation letters appear after each epoch."
NONE_TO_VALIDATE = "This run validates on no letters, so it has no mistakes to show."


class RunViews(QTabWidget):
    """set_validation, show_history / refresh_history, set_epoch_result, set_flow."""

    def __init__(self, sample_store=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainViews")
        self.setDocumentMode(True)
        self.curves = CurvesPanel()
        self.confusion = ConfusionPanel()
        self.gallery = Gallery(WAITING)
        self.backprop = BackpropPanel()
        self.preview = PreviewPanel(sample_store)
        mistakes = QSplitter(Qt.Orientation.Horizontal)
        mistakes.addWidget(self.confusion)
        mistakes.addWidget(self.gallery)
        mistakes.setSizes([520, 420])
        self.addTab(self.curves, "Learning curves")
        self.addTab(mistakes, "Mistakes")
        self.addTab(self.backprop, "Backprop")
        self.addTab(self.preview, "Training data")
        self.val_x = np.zeros((0, 28, 28), np.uint8)
        self.val_y = np.zeros(0, np.int64)
        self.predictions: np.ndarray | None = None  # the latest epoch's, for the val letters
        self._history = History()
        self.confusion.cell_clicked.connect(self._on_confusion_cell_clicked)

    def set_validation(self, x: np.ndarray, y: np.ndarray) -> None:
        """The run's validation letters (N, 28, 28) uint8 and labels (N,). The last run's
        mistakes stay on show only when this run validates on the same letters."""
        same = (self.predictions is not None and np.array_equal(x, self.val_x)
                and np.array_equal(y, self.val_y))
        self.val_x, self.val_y = x, y
        if not same:
            self.predictions = None
            self.confusion.clear_result()
            self.gallery.set_items(x[:0], [])
            self.gallery.set_title(WAITING if len(y) else NONE_TO_VALIDATE)

    def show_history(self, history: History) -> None:
        """Redraw the curves from scratch (a new run or an opened model)."""
        self._history = history
        self.curves.set_history(history)

    def refresh_history(self) -> None:
        """New batches arrived: the curves redraw (hidden, when next shown)."""
        self.curves.refresh(self._history)

    def set_epoch_result(self, result: dict) -> None:
        """An epoch's confusion, per-class accuracy and gallery of mistakes."""
        self.refresh_history()
        if "confusion" not in result:
            return
        self.predictions = result["predictions"]
        self.confusion.set_result(result["confusion"], result["per_class"])
        self.confusion.clear_selection()
        g = result["gallery"]
        idx = g["index"]
        captions, tips = mistake_captions(self.val_y[idx], g["top"], g["p"])
        self.gallery.set_items(self.val_x[idx], captions, tips)
        wrong = int((self.predictions != self.val_y).sum())
        if not wrong:
            title = "No validation letter misread."
        elif len(idx) == wrong:
            title = f"{_letters(wrong)} misread, with the network's top 3 guesses:"
        else:
            title = (f"{_letters(wrong)} misread; the {len(idx)} surest mistakes, with the "
                     "network's top 3 guesses:")
        self.gallery.set_title(title)

    def set_flow(self, flow: dict) -> None:
        self.backprop.set_flow(flow)

    def _on_confusion_cell_clicked(self, true: int, pred: int) -> None:
        if self.predictions is None:
            return
        idx = np.flatnonzero((self.val_y == true) & (self.predictions == pred))
        verb = "read correctly" if true == pred else f"read as {LETTERS[pred]}"
        caption = f"{LETTERS[true]} → {LETTERS[pred]}"
        self.gallery.set_items(self.val_x[idx], [caption] * len(idx))
        shown = min(len(idx), self.gallery.capacity)
        self.gallery.set_title(f"True {LETTERS[true]} {verb}: {_letters(len(idx))}"
                               + (f" (first {shown} shown)" if shown < len(idx) else ""))


def _letters(n: int) -> str:
    """'1 validation letter', '1,204 validation letters'."""
    return f"{n:,} validation letter{'s' if n != 1 else ''}"
