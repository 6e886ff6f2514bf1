"""A preview of the training letters for one letter: my samples of it, then synthetic ones,
with the batch augmentation applied when it is on, exactly as a training batch would see them."""

import numpy as np
import pyqtgraph as pg
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

COLUMNS, ROWS = 10, 4
GAP = 2


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
        self.letter.currentTextChanged.connect(self.refresh)
        self._affine, self._degrade = True, 0.0  # what the run's augmentation does
        self.augment = QCheckBox("with augmentation")
        self.augment.setChecked(True)
        self.augment.toggled.connect(self.refresh)
        again = QPushButton("Other samples")
        again.clicked.connect(self._on_again_clicked)
        self.note = QLabel()
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
        """Render the grid: up to a row of my samples of the letter, the rest synthetic (now
        when the panel is on screen, else when it is next shown)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        from cnn.augment import compose
        from cnn.synthetic import augmentation_preview

        letter = self.letter.currentText()
        label = LETTERS.index(letter.upper())
        mine = np.zeros((0, 28, 28), np.float32)
        if self.store is not None:
            s = self.store.to_letterset()
            mine = s.x[s.y == label][-COLUMNS:].astype(np.float32) / 255
        n = ROWS * COLUMNS - len(mine)
        synthetic = augmentation_preview(letter, n, seed=self._seed)
        images = np.concatenate([mine, synthetic]).astype(np.float32)
        if self.augment.isChecked():
            rng = np.random.default_rng(self._seed)
            images = compose(self._affine, self._degrade)(images[:, None], rng)[:, 0]
        self.images = images
        self.image.setImage(mosaic(images), levels=(0, 1))
        self._box.autoRange(padding=0.01)
        mine_text = (f"{len(mine)} of my samples of {letter.upper()} (first), then "
                     if len(mine) else "")
        self.note.setText(
            f"{mine_text}{n} synthetic {letter}'s, as a training batch sees them"
            + (" after augmentation." if self.augment.isChecked() else "."))
