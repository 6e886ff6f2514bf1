"""A compact strip for the Draw tab: label the drawing, add it to my samples, teach it, and
see the probabilities before and after."""

import logging
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cnn.data import LETTERS, DataError
from gui import logs
from gui.untrusted import cap

log = logging.getLogger(__name__)

pg.setConfigOptions(imageAxisOrder="row-major")

# (strokes, image28 (28, 28) float in [0, 1], probs (26,) or None), or None when blank.
CurrentDrawing = Callable[[], tuple | None]
_TICKS = [[(i, c) for i, c in enumerate(LETTERS)]]


class TeachBar(QWidget):
    """Label (the predicted letter preselected; a letter key sets it), Add, Teach, Fine-tune."""

    def __init__(self, controller, current_drawing: CurrentDrawing,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("teachBar")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.controller = controller
        self._current_drawing = current_drawing
        self._chosen = False  # the person picked the label for this drawing
        self.label = QComboBox()
        self.label.addItems(list(LETTERS))
        self.label.setToolTip("The correct letter for this drawing (type a letter to set it)")
        self.label.activated.connect(self._on_label_activated)
        self.add_button = QPushButton("Add to my samples")
        self.teach_button = QPushButton("Teach this letter")
        self.teach_button.setToolTip("A few backprop steps on this drawing with this label, "
                                     "mixed with other letters so nothing else is forgotten")
        self.fine_tune_button = QPushButton("Fine-tune on my samples")
        self.counter = QLabel()
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it quotes errors
        self.status.setWordWrap(True)
        self.bars = pg.PlotWidget()
        self.bars.setFixedHeight(90)
        self.bars.setBackground((30, 31, 36))
        self.bars.setMouseEnabled(False, False)
        self.bars.hideButtons()
        self.bars.setMenuEnabled(False)
        self.bars.getAxis("bottom").setTicks(_TICKS)
        self.bars.getAxis("left").setWidth(28)
        self.bars.setYRange(0, 1, padding=0.02)
        self.before_bars = pg.BarGraphItem(x=np.arange(26) - 0.2, height=np.zeros(26),
                                           width=0.38, brush=(130, 130, 140))
        self.after_bars = pg.BarGraphItem(x=np.arange(26) + 0.2, height=np.zeros(26),
                                          width=0.38, brush=(255, 196, 61))
        self.bars.addItem(self.before_bars)
        self.bars.addItem(self.after_bars)
        self.bars.setVisible(False)

        # Two rows: the bar shares the Draw tab with the canvas between the docks, ~450 px wide
        # in the first-run layout at 1366×768.
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Letter"))
        row.addWidget(self.label)
        row.addWidget(self.add_button)
        row.addWidget(self.teach_button)
        row.addStretch(1)
        row2 = QHBoxLayout()
        row2.setContentsMargins(0, 0, 0, 0)
        row2.addWidget(self.fine_tune_button)
        row2.addWidget(self.counter, 1)
        v = QVBoxLayout(self)
        v.setContentsMargins(4, 2, 4, 2)
        v.setSpacing(2)
        v.addLayout(row)
        v.addLayout(row2)
        v.addWidget(self.status)
        v.addWidget(self.bars)

        self.add_button.clicked.connect(self.add_current)
        self.teach_button.clicked.connect(self.teach_current)
        self.fine_tune_button.clicked.connect(self.fine_tune)
        controller.counts_changed.connect(self._on_controller_counts_changed)
        controller.taught.connect(self._on_controller_taught)
        controller.fine_tuned.connect(self._on_controller_fine_tuned)
        controller.busy_changed.connect(self._on_controller_busy_changed)
        controller.failed.connect(self._on_controller_failed)
        self.label.currentIndexChanged.connect(self._update_counter)
        self._counts = np.asarray(controller.counts())
        self._update_counter()

    # --- for the Draw tab ----------------------------------------------------------------------

    def set_prediction(self, probs) -> None:
        """Preselect the predicted letter, unless the person chose one for this drawing."""
        if probs is not None and not self._chosen:
            self.label.setCurrentIndex(int(np.argmax(probs)))

    def new_drawing(self) -> None:
        """The canvas was cleared: the next prediction preselects the label again."""
        self._chosen = False

    def set_label(self, letter: str) -> None:
        self.label.setCurrentIndex(LETTERS.index(letter.upper()))
        self._chosen = True

    def handle_key(self, text: str) -> bool:
        """A typed letter sets the label; True when the key was used."""
        if len(text) == 1 and text.isascii() and text.isalpha():
            self.set_label(text)
            return True
        return False

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self.handle_key(event.text()):
            super().keyPressEvent(event)

    # --- actions -------------------------------------------------------------------------------

    def _drawing(self):
        drawing = self._current_drawing()
        if drawing is None:
            self._set_status("Draw a letter first.")
        return drawing

    def add_current(self) -> str | None:
        drawing = self._drawing()
        if drawing is None:
            return None
        strokes, image, _ = drawing
        letter = LETTERS[self.label.currentIndex()]
        try:
            sample_id = self.controller.add_sample(strokes, image, letter)
        except (OSError, DataError) as e:  # a full or read-only disk: say so, keep drawing
            log.exception("could not add a sample to %s", self.controller.store.folder)
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            self._say_error(logs.with_hint(
                f"Could not add this {letter} to your samples in "
                f"{self.controller.store.folder}: {reason}. The drawing is still here."))
            return None
        self._set_status(f"Added this {letter} to your samples.")
        return sample_id

    def teach_current(self) -> bool:
        drawing = self._drawing()
        if drawing is None:
            return False
        _, image, _ = drawing
        self._set_status(f"Teaching it that this is {LETTERS[self.label.currentIndex()]}…")
        return self.controller.start_teach_letter(image, self.label.currentIndex())

    def fine_tune(self) -> bool:
        self._set_status("Fine-tuning on your samples (with replayed letters)…")
        return self.controller.start_fine_tune()

    # --- slots ---------------------------------------------------------------------------------

    def _on_label_activated(self, index: int) -> None:
        self._chosen = True

    def _update_counter(self, *_) -> None:
        letter = LETTERS[self.label.currentIndex()]
        c = self._counts
        total = int(c.sum())
        self.counter.setText(f"my samples: {int(c[LETTERS.index(letter)])} {letter} · "
                             f"{total} in all")
        self.counter.setToolTip("  ".join(f"{L} {int(n)}" for L, n in zip(LETTERS, c,
                                                                          strict=True)))

    def _on_controller_counts_changed(self, counts) -> None:
        self._counts = np.asarray(counts)
        self._update_counter()

    def _on_controller_taught(self, result: dict) -> None:
        i = result["label"]
        before, after = result["before"], result["after"]
        self.before_bars.setOpts(height=before)
        self.after_bars.setOpts(height=after)
        self.bars.setVisible(True)
        self._set_status(
            f"P({LETTERS[i]}) {before[i]:.0%} → {after[i]:.0%} after {result['steps']} "
            f"backprop steps; it now reads {LETTERS[int(np.argmax(after))]} "
            "(grey: before, yellow: after).")

    def _on_controller_fine_tuned(self, result: dict) -> None:
        self._set_status(
            f"Accuracy on your {result['n_mine']} samples: {result['before']:.0%} → "
            f"{result['after']:.0%} (fine-tuned with {result['n_replay']} replayed letters).")

    def set_run_active(self, active: bool) -> None:
        """While a Train tab run goes on, its next weights would overwrite what teaching did."""
        self._run_active = active
        self._update_buttons()

    def _on_controller_busy_changed(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy, run = getattr(self, "_busy", False), getattr(self, "_run_active", False)
        for b in (self.teach_button, self.fine_tune_button):
            b.setEnabled(not busy and not run)
        if run:
            self._set_status("Teaching waits while the Train tab is training.")

    def _on_controller_failed(self, message: str) -> None:
        self._say_error(message)

    def _set_status(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)

    def _say_error(self, text: str) -> None:
        self.status.setStyleSheet("color: #e06c6c")
        self.status.setText(cap(text, 600))
