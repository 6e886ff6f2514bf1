"""A compact strip for the Draw tab: label the drawing, add it to my samples, teach it, and
see the probabilities before and after (on demand, over the canvas: the canvas never shrinks)."""

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn.data import LETTERS, DataError
from cnn.runs.finetune import MIN_TO_HOLD_OUT
from gui import logs
from gui.training.teach_results import TeachResults
from gui.untrusted import cap

log = logging.getLogger(__name__)

# (strokes, image28 (28, 28) float in [0, 1], probs (26,) or None), or None when blank.
CurrentDrawing = Callable[[], tuple | None]
RUN_WAITS = "Teaching waits while the Train tab is training."


def _change(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.0%} → {pair[1]:.0%}"


def fine_tune_report(r: dict) -> tuple[str, str]:
    """(one line, details as HTML) of a fine-tune result: held-out samples and replay letters
    first (they tell what it learned and forgot), the samples trained on last."""
    line, rows = [], []
    if r["held_out"]:
        line.append(f"{r['n_held_out']} held-out samples {_change(r['held_out'])}")
        rows.append(f"Your {r['n_held_out']} held-out samples (not trained on): "
                    f"<b>{_change(r['held_out'])}</b>")
    else:
        line.append(f"too few samples to hold any out (under {MIN_TO_HOLD_OUT})")
        rows.append(f"Too few samples to hold any out and test on (fewer than "
                    f"{MIN_TO_HOLD_OUT}): add more to see what it learned.")
    if r["replay"]:
        line.append(f"replay letters {_change(r['replay'])}")
        rows.append(f"{r['n_check']} replay letters it was not fine-tuned on (what it "
                    f"forgot): <b>{_change(r['replay'])}</b>")
    rows.append(f"The {r['n_trained']} samples it trained on: {_change(r['trained'])} "
                "(says little: it has just learned them)")
    rows.append(f"Fine-tuned with {r['n_replay']} replayed letters.")
    return "Fine-tuned: " + "; ".join(line) + ".", "<br>".join(rows)


class TeachBar(QWidget):
    """Label (the predicted letter preselected; a letter key sets it), Add, Teach, Fine-tune."""

    samples_requested = Signal()  # the person wants to see their samples

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
        self.add_button.setToolTip("Keep this drawing with this letter among your samples, for "
                                   "fine-tuning and for training runs that tick My samples")
        self.teach_button = QPushButton("Teach this letter")
        self.teach_button.setToolTip("A few backprop steps on this drawing with this label, "
                                     "mixed with other letters so nothing else is forgotten")
        self.fine_tune_button = QPushButton("Fine-tune on my samples")
        self.fine_tune_button.setToolTip(
            "A few epochs on all your samples, mixed with other letters so nothing else is "
            "forgotten; reports the accuracy on some of your samples held out, before and after")
        # The counter opens My samples, as a link would: a button beside it would widen the
        # bar, and so the canvas's least width, past what the first-run layout leaves it.
        self.counter = QToolButton()
        self.counter.setAutoRaise(True)
        self.counter.setCursor(Qt.CursorShape.PointingHandCursor)
        self.counter.setStyleSheet("QToolButton { color: palette(link); border: none; "
                                   "text-decoration: underline; padding: 0 2px; }")
        self.counter.clicked.connect(self.samples_requested)
        # One line of results whatever they say: the bar's height, and so the canvas's, never
        # changes; the chart opens over the canvas's lower edge on demand.
        self.results = TeachResults(self)

        # Three rows: the bar shares the Draw tab with the canvas between the docks, ~450 px
        # wide in the first-run layout at 1366×768.
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
        row2.addWidget(self.counter)
        row2.addStretch(1)
        v = QVBoxLayout(self)
        v.setContentsMargins(4, 2, 4, 2)
        v.setSpacing(2)
        v.addLayout(row)
        v.addLayout(row2)
        v.addWidget(self.results)

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
        """The canvas was cleared: the next prediction preselects the label again, and what
        the bar said about the last drawing goes (fine-tuning's results stay)."""
        self._chosen = False
        if self.results.kind in ("message", "taught"):
            self.results.clear()

    def drawing_changed(self) -> None:
        """A stroke added, erased, undone or redone: a message about the drawing as it was
        ('Added this T', 'already in your samples') would now speak of another one."""
        if self.results.kind == "message":
            self.results.clear()

    def model_replaced(self) -> None:
        """Another model came (opened, or a run's weights): teach and fine-tune results were
        about the one before, and say so."""
        self.results.mark_previous("About the model before:")

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
            self.results.show_message("Draw a letter first.")
        return drawing

    def add_current(self) -> str | None:
        drawing = self._drawing()
        if drawing is None:
            return None
        strokes, image, _ = drawing
        letter = LETTERS[self.label.currentIndex()]
        try:
            if self.controller.store.find(image, letter) is not None:
                self.results.show_message(f"This {letter} is already in your samples: "
                                          "nothing added. Draw another one to add more.")
                return None
            sample_id = self.controller.add_sample(strokes, image, letter)
        except (OSError, DataError) as e:  # a full or read-only disk: say so, keep drawing
            log.exception("could not add a sample to %s", self.controller.store.folder)
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            text = logs.with_hint(f"Could not add this {letter} to your samples in "
                                  f"{self.controller.store.folder}: {reason}. The drawing is "
                                  "still here.")
            self.results.show_message(cap(text, 600), error=True)
            return None
        self.results.show_message(f"Added this {letter} to your samples.")
        return sample_id

    def teach_current(self) -> bool:
        drawing = self._drawing()
        if drawing is None:
            return False
        _, image, _ = drawing
        self.results.show_message(f"Teaching it that this is {LETTERS[self.label.currentIndex()]}…")
        return self.controller.start_teach_letter(image, self.label.currentIndex())

    def fine_tune(self) -> bool:
        self.results.show_message("Fine-tuning on your samples (with replayed letters)…",
                                  kind="fine_tuning")
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
        self.counter.setToolTip("See, delete or relabel your samples (Ctrl+Shift+M)\n"
                                + "  ".join(f"{L} {int(n)}" for L, n in zip(LETTERS, c,
                                                                            strict=True)))

    def _on_controller_counts_changed(self, counts) -> None:
        self._counts = np.asarray(counts)
        self._update_counter()

    def _on_controller_taught(self, result: dict) -> None:
        i = result["label"]
        before, after = result["before"], result["after"]
        steps = result["steps"]
        self.results.show_taught(
            f"P({LETTERS[i]}) {before[i]:.0%} → {after[i]:.0%} after {steps} backprop "
            f"step{'s' if steps != 1 else ''}; it now reads {LETTERS[int(np.argmax(after))]}.",
            before, after)

    def _on_controller_fine_tuned(self, result: dict) -> None:
        self.results.show_details("fine_tuned", *fine_tune_report(result))

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
            self.results.show_message(RUN_WAITS, kind="run_waits")
        elif self.results.kind == "run_waits":  # the run has ended: teaching works again
            self.results.clear()

    def _on_controller_failed(self, message: str) -> None:
        self.results.show_message(cap(message, 600), error=True)

    def moveEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().moveEvent(event)
        self.results.place_details()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.results.place_details()
