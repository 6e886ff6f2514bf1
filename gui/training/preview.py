"""A preview of the training letters for one letter, from what a run would train on as the form
stands (my samples, the ticked files, synthetic letters when ticked), with the batch
augmentation applied when it is on, exactly as a training batch would see them. Files are read
in the background, one at a time, and only a few letters of each kept."""

import logging
from functools import partial
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnn.data import LETTERS
from cnn.runs.sources import load_file
from gui.training.background import BackgroundCall
from gui.untrusted import elide

log = logging.getLogger(__name__)
COLUMNS, ROWS = 10, 4
GAP = 2


def few_per_letter(path: str, n: int = ROWS * COLUMNS) -> list[np.ndarray]:
    """Up to n letters of each class of a letter file, picked at random: 26 (k, 28, 28) uint8
    arrays (in a background thread: a file may take seconds to read)."""
    s = load_file(path)
    rng = np.random.default_rng(0)
    picks = []
    for label in range(len(LETTERS)):
        idx = np.flatnonzero(s.y == label)
        picks.append(s.x[rng.permutation(idx)[:n]].copy())
    return picks


def mosaic(images: np.ndarray, columns: int = COLUMNS, rows: int = ROWS) -> np.ndarray:
    """(n, 28, 28) float in [0, 1] -> one (rows*30-2, columns*30-2) image, gaps NaN-free 0.15."""
    tile = 28 + GAP
    out = np.full((rows * tile - GAP, columns * tile - GAP), 0.15, np.float32)
    for i, img in enumerate(images[:rows * columns]):
        r, c = divmod(i, columns)
        out[r * tile:r * tile + 28, c * tile:c * tile + 28] = img
    return out


class PreviewPanel(QWidget):
    """Pick a letter; `refresh()` draws a new sample of its training letters."""

    def __init__(self, sample_store=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainPreview")
        self.store = sample_store
        self.letter = QComboBox()
        self.letter.addItems(list(LETTERS) + list(LETTERS.lower()))
        self.letter.setToolTip("The letter whose training samples are shown")
        self.letter.currentTextChanged.connect(self.refresh)
        self._affine, self._degrade = True, 0.0  # what the run's augmentation does
        self.augment = QCheckBox("with augmentation")
        self.augment.setChecked(True)
        self.augment.setToolTip("Show them as a run's batches see them: turned, stretched "
                                "and shifted as ticked in the set-up")
        self.augment.toggled.connect(self.refresh)
        again = QPushButton("Other samples")
        again.setToolTip("Pick other samples of this letter at random")
        again.clicked.connect(self._on_again_clicked)
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # it names files
        self.note.setWordWrap(True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground((30, 31, 36))
        box = self.view.addViewBox(lockAspect=True, invertY=True, enableMouse=False,
                                   enableMenu=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        box.addItem(self.image)
        self._box = box
        self._seed = 0
        self._stale = True  # drawn when next shown: settings change often, the tab is seen less
        self.images = np.zeros((0, 28, 28), np.float32)
        self._files: list[str] = []  # the ticked files a run trains on
        self._synthetic, self._mine = True, True
        self._read: dict[str, list[np.ndarray] | None] = {}  # a few letters a file, None: refused
        self._reader = BackgroundCall(self)
        self._reading = ""
        self._reader.finished.connect(lambda picks: self._on_file_read(picks))
        self._reader.failed.connect(lambda message: self._on_file_read(None, message))
        top = QHBoxLayout()
        top.addWidget(QLabel("Letter"))
        top.addWidget(self.letter)
        top.addWidget(self.augment)
        top.addWidget(again)
        top.addStretch(1)
        v = QVBoxLayout(self)
        v.addLayout(top)
        v.addWidget(self.note)
        v.addWidget(self.view, 1)

    def set_sources(self, files: list[str], synthetic: bool, mine: bool) -> None:
        """What a run would train on: these letter files, synthetic letters or not, my
        samples or not."""
        self._files, self._synthetic, self._mine = list(files), synthetic, mine
        self.refresh()

    def is_reading(self) -> bool:
        return self._reader.is_busy()

    def _read_next(self) -> None:
        """Read the first ticked file not read yet, in the background."""
        if self._reader.is_busy():
            return
        for path in self._files:
            if path not in self._read:
                self._reading = path
                self._reader.start(partial(few_per_letter, path), refusals=(ValueError,))
                return

    def _on_file_read(self, picks: list | None, message: str = "") -> None:
        if picks is None:
            log.warning("the training data view could not read %s: %s", self._reading, message)
        self._read[self._reading] = picks
        self.refresh()

    def set_augment(self, on: bool) -> None:
        self._affine = on
        self._show_augmentation()

    def set_degrade(self, share: float) -> None:
        """Show paper and screen effects on this share of the letters, as training will."""
        self._degrade = share
        self._show_augmentation()

    def _show_augmentation(self) -> None:
        self.augment.blockSignals(True)
        self.augment.setChecked(self._affine or self._degrade > 0)
        self.augment.blockSignals(False)
        self.refresh()

    def _on_again_clicked(self) -> None:
        self._seed += 1
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self, *_) -> None:
        """Render the grid: the letter's training letters from each source in turn (now when
        the panel is on screen, else when it is next shown)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        from cnn.augment import compose
        from cnn.synthetic import augmentation_preview

        letter = self.letter.currentText()
        label = LETTERS.index(letter.upper())
        total = ROWS * COLUMNS
        rng = np.random.default_rng(self._seed)
        pools: list[tuple[str, np.ndarray]] = []
        if self._mine and self.store is not None:
            s = self.store.to_letterset()
            pools.append(("of my samples", rng.permutation(s.x[s.y == label])[:total]))
        reading = []
        for path in self._files:
            picks = self._read.get(path)
            if path not in self._read:
                reading.append(elide(Path(path).name, 40))
            elif picks is not None:
                pools.append((f"from {elide(Path(path).name, 40)}",
                              rng.permutation(picks[label])))
        if self._synthetic:
            pools.append((f"synthetic {letter}'s", None))
        self._read_next()
        counts = _shares([total if x is None else len(x) for _, x in pools], total)
        images, parts = [], []
        for (name, x), k in zip(pools, counts, strict=True):
            if not k:
                continue
            x = augmentation_preview(letter, k, seed=self._seed) if x is None else x[:k]
            images.append(np.asarray(x, np.float32) / (1 if x.dtype != np.uint8 else 255))
            parts.append(f"{k} {name}")
        images = np.concatenate(images) if images else np.zeros((0, 28, 28), np.float32)
        if self.augment.isChecked() and len(images):
            images = compose(self._affine, self._degrade)(images[:, None], rng)[:, 0]
        self.images = images.astype(np.float32)
        self.image.setImage(mosaic(self.images), levels=(0, 1))
        self._box.autoRange(padding=0.01)
        if parts:
            text = (f"{letter.upper()}: " + ", then ".join(parts) + ", as a training batch sees "
                    "them" + (" after augmentation." if self.augment.isChecked() else "."))
        else:
            text = f"No training letters of {letter.upper()} in the data ticked on the left."
        if reading:
            text += f" Reading {', '.join(reading)}…"
        self.note.setText(text)


def _shares(available: list[int], total: int) -> list[int]:
    """How many letters each source gives to a grid of `total`: in turn, one at a time, while
    it has letters left (every source shows, none crowds the others out)."""
    counts = [0] * len(available)
    while sum(counts) < total and any(c < a for c, a in zip(counts, available, strict=True)):
        for i, a in enumerate(available):
            if counts[i] < a and sum(counts) < total:
                counts[i] += 1
    return counts
