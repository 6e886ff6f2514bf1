"""A grid of small letter images with captions: misclassified letters and their top-3 guesses,
or the letters of one confusion-matrix cell. Tiles are made once and updated in place."""

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from cnn.data import LETTERS

TILE = 56  # pixels: each 28x28 letter drawn twice its size


def pixmap(image: np.ndarray, size: int = TILE) -> QPixmap:
    """(28, 28) uint8 or float in [0, 1] -> a grey QPixmap of size x size."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = np.rint(np.clip(a, 0, 1) * 255).astype(np.uint8)
    a = np.ascontiguousarray(a)
    qimage = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.copy()).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)


class Gallery(QWidget):
    """set_items(images (N, 28, 28), captions [N], tooltips) under a title; tiles wrap."""

    def __init__(self, title: str = "", capacity: int = 60, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainGallery")
        self._capacity = capacity
        self.title = QLabel(title)
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(QSize(TILE, TILE))
        self.list.setGridSize(QSize(TILE + 30, TILE + 34))
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.list.setStyleSheet("QListWidget { font-size: 8pt; }")
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.title)
        v.addWidget(self.list, 1)

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def count(self) -> int:
        return self.list.count()

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def set_items(self, images: np.ndarray, captions: list[str],
                  tooltips: list[str] | None = None) -> None:
        self.list.clear()
        for i in range(min(len(images), self._capacity)):
            item = QListWidgetItem(QIcon(pixmap(images[i])), captions[i])
            if tooltips:
                item.setToolTip(tooltips[i])
            self.list.addItem(item)


def mistake_captions(y: np.ndarray, top: np.ndarray, p: np.ndarray) -> tuple[list, list]:
    """Captions 'A → H 81%' over the 2nd and 3rd guesses, and tooltips, for mistakes."""
    captions, tips = [], []
    for t, guesses, probs in zip(y, top, p, strict=True):
        captions.append(f"{LETTERS[t]} → {LETTERS[guesses[0]]} {probs[0]:.0%}\n"
                        + "  ".join(f"{LETTERS[g]} {q:.0%}"
                                    for g, q in zip(guesses[1:], probs[1:], strict=True)))
        tips.append(f"true {LETTERS[t]}; guesses: " + ", ".join(
            f"{LETTERS[g]} {q:.0%}" for g, q in zip(guesses, probs, strict=True)))
    return captions, tips
