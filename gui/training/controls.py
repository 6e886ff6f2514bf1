"""The run's control strip: Start, Pause/Resume, Stop, Step, Save, Open; a progress bar with
epoch, samples/s and ETA; a status line; and a banner for what went wrong."""

import time
from html import escape

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from gui.boxes import column
from gui.training.controller import IDLE, LOADING, PAUSED, RUNNING, STOPPING
from gui.untrusted import cap

_PAUSED = " · paused"
_START_TIP = "Load the data and train with these settings"


def clock(seconds: float) -> str:
    """'mm:ss', or 'h:mm:ss' from an hour on; '--:--' when unknown."""
    if not np.isfinite(seconds):
        return "--:--"
    return time.strftime("%H:%M:%S" if seconds >= 3600 else "%M:%S", time.gmtime(seconds))


class RunControls(QWidget):
    """Buttons and read-outs; set_state / set_loading / set_progress / say / show_banner."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip(_START_TIP)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause after this batch; Resume goes on from there")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the run after this batch; the weights trained so far "
                                    "stay in the window, to save or to go on from")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train one batch (forward, loss, backward, update), then "
                                    "pause and show the gradients of one training letter, "
                                    "picked at random, through the updated weights")
        self.save_button = QPushButton("Save model…")
        self.save_button.setToolTip("Save the window's model, with its training record, as a "
                                    ".npz file (Ctrl+Shift+S)")
        self.open_button = QPushButton("Open model…")
        self.open_button.setToolTip("Open a saved model (.npz) to draw with, train on or step "
                                    "through (Ctrl+O)")
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button, self.step_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.open_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("ready")
        self.status = QLabel("Set up a run on the left, then press Start (or Step).")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)  # say() escapes what it quotes
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)  # show_banner() escapes
        self.banner.setObjectName("trainBanner")
        self.banner.setStyleSheet("QLabel#trainBanner { background: #5a2a2a; color: #ffe0e0;"
                                  " padding: 6px; border-radius: 4px; }")
        self.banner.setVisible(False)
        column(self, buttons, self.progress, self.status, self.banner)
        self._state, self._blocked = IDLE, ""
        self.shows_run = False  # the progress bar and status speak of a run (its weights)

    def set_blocked(self, reason: str) -> None:
        """The form cannot start a run ("" when it can): Start and Step say why, disabled."""
        self._blocked = reason
        self.set_state(self._state)

    def set_state(self, state: str) -> None:
        self._state = state
        busy = state != IDLE
        blocked = bool(self._blocked)
        self.start_button.setEnabled(not busy and not blocked)
        self.start_button.setToolTip(f"Cannot start: {self._blocked}" if blocked else _START_TIP)
        self.pause_button.setEnabled(state in (RUNNING, PAUSED))
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        self.stop_button.setEnabled(state in (LOADING, RUNNING, PAUSED))
        self.step_button.setEnabled(state in (PAUSED, RUNNING) or state == IDLE and not blocked)
        self.save_button.setEnabled(state in (IDLE, PAUSED))
        self.open_button.setEnabled(not busy)
        if state == PAUSED:
            self._suffix(_PAUSED)
        elif state == STOPPING:
            self.say("Stopping after this batch…")

    def set_loading(self, text: str, fraction: float) -> None:
        """Loading the data: a fraction in [0, 1], or busy when negative."""
        self.shows_run = True
        if fraction < 0:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(text)

    def set_progress(self, chunk: dict, paused: bool) -> None:
        self.shows_run = True
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(chunk["fraction"] * 1000))
        self.progress.setFormat(
            f"epoch {chunk['epoch']}/{chunk['epochs']} · batch {chunk['step']}/"
            f"{chunk['steps_per_epoch']} · {chunk['samples_per_s']:,.0f} letters/s · "
            f"ETA {clock(chunk['eta_s'])} · loss {chunk['loss'][-1]:.3f}"
            + (_PAUSED if paused else ""))

    def set_finished(self, reason: str) -> None:
        self.progress.setRange(0, 1000)
        self._suffix(f" · {reason}")

    def clear_run(self, text: str) -> None:
        """Another model came in: the last run's progress no longer applies; `text` says which
        model is loaded."""
        self.shows_run = False
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("ready")
        self.say(text)

    def _suffix(self, text: str) -> None:
        self.progress.setFormat(self.progress.format().split(_PAUSED)[0] + text)

    def say(self, text: str, error: bool = False) -> None:
        """A status line; `text` (it may quote a file name or an error) shows as plain text."""
        text = escape(cap(text)).replace("\n", "<br>")
        self.status.setText(f"<span style='color:#e06c6c'>{text}</span>" if error else text)

    def show_banner(self, title: str, text: str) -> None:
        self.banner.setText(f"<b>{escape(title)}</b> {escape(cap(text)).replace(chr(10), '<br>')}")
        self.banner.setVisible(True)

    def hide_banner(self) -> None:
        self.banner.setVisible(False)
