"""The Train tab: set up a run on the left, watch it learn on the right.

Independent of the main window: it asks a callable for the current model, emits
`weights_published(model, meta)` for the Draw tab (throttled, each a model of its own), and offers
save / open / stop_and_wait / offer_save_on_close for the window's menus and closeEvent.
"""

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn import checkpoint
from cnn.data import LETTERS
from cnn.model import Sequential
from cnn.paths import DEFAULT_MODEL, data_dir
from gui.training.backprop import BackpropPanel
from gui.training.confusion import ConfusionPanel
from gui.training.controller import IDLE, LOADING, PAUSED, RUNNING, STOPPING, TrainController
from gui.training.curves import CurvesPanel
from gui.training.gallery import Gallery, mistake_captions
from gui.training.history import History
from gui.training.preview import PreviewPanel
from gui.training.setup_panel import SetupPanel

CurrentModel = Callable[[], tuple[Sequential | None, dict]]


def _clock(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "--:--"
    return time.strftime("%H:%M:%S" if seconds >= 3600 else "%M:%S", time.gmtime(seconds))


def is_shipped_model(path) -> bool:
    try:
        return Path(path).resolve() == DEFAULT_MODEL.resolve()
    except OSError:
        return False


class TrainTab(QWidget):
    """Train the network from the window and watch it learn."""

    weights_published = Signal(object, object)  # model (the receiver keeps it), meta
    run_finished = Signal(object)  # {'reason': 'done'|'stopped'|'diverged'|'failed', 'message'}
    model_saved = Signal(str)
    model_opened = Signal(object, object, str)  # model, meta, path

    def __init__(self, current_model: CurrentModel | None = None, sample_store=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainTab")
        self._current_model = current_model or (lambda: (None, {}))
        self.store = sample_store
        self.controller = TrainController(self)
        self.last_message: tuple[str, str, str] | None = None
        self.unsaved = False  # trained weights not yet written to a file
        self._val_x = np.zeros((0, 28, 28), np.uint8)
        self._val_y = np.zeros(0, np.int64)
        self._predictions: np.ndarray | None = None
        self._create_widgets()
        self._connect_signals()
        self._on_controller_state_changed(IDLE)

    # --- construction --------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.setup = SetupPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.setup)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Load the data and train with these settings")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train one batch (forward, loss, backward, update), then "
                                    "pause and show one sample's gradients")
        self.save_button = QPushButton("Save model…")
        self.open_button = QPushButton("Open model…")
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button, self.step_button):
            controls.addWidget(b)
        controls.addStretch(1)
        controls.addWidget(self.save_button)
        controls.addWidget(self.open_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("ready")
        self.status = QLabel("Set up a run on the left, then press Start (or Step).")
        self.status.setWordWrap(True)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("trainBanner")
        self.banner.setStyleSheet("QLabel#trainBanner { background: #5a2a2a; color: #ffe0e0;"
                                  " padding: 6px; border-radius: 4px; }")
        self.banner.setVisible(False)

        self.curves = CurvesPanel()
        self.confusion = ConfusionPanel()
        self.gallery = Gallery("Misclassified validation letters appear after each epoch.")
        self.backprop = BackpropPanel()
        self.preview = PreviewPanel(self.store)
        mistakes = QSplitter(Qt.Orientation.Horizontal)
        mistakes.addWidget(self.confusion)
        mistakes.addWidget(self.gallery)
        mistakes.setSizes([520, 420])
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.curves, "Learning curves")
        self.views.addTab(mistakes, "Mistakes")
        self.views.addTab(self.backprop, "Backprop")
        self.views.addTab(self.preview, "Training data")

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(4, 4, 4, 4)
        rv.addLayout(controls)
        rv.addWidget(self.progress)
        rv.addWidget(self.status)
        rv.addWidget(self.banner)
        rv.addWidget(self.views, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 980])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def _connect_signals(self) -> None:
        self.start_button.clicked.connect(self._on_start_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.stop_button.clicked.connect(self.stop)
        self.step_button.clicked.connect(self.step)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.setup.augment_toggled.connect(self.preview.set_augment)
        self.views.currentChanged.connect(self._on_views_current_changed)
        c = self.controller
        c.state_changed.connect(self._on_controller_state_changed)
        c.status_changed.connect(self._on_controller_status_changed)
        c.data_loaded.connect(self._on_controller_data_loaded)
        c.progressed.connect(self._on_controller_progressed)
        c.epoch_finished.connect(self._on_controller_epoch_finished)
        c.step_inspected.connect(self._on_controller_step_inspected)
        c.weights_published.connect(self._on_controller_weights_published)
        c.run_finished.connect(self._on_controller_run_finished)
        self.confusion.cell_clicked.connect(self._on_confusion_cell_clicked)

    # --- running -------------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.controller.is_running()

    def start(self, paused: bool = False) -> bool:
        """Start a run with the form's settings; False (and a note) when they do not hold."""
        if self.is_running():
            return False
        try:
            config = self.setup.config()
        except ValueError as e:
            self._say(str(e), error=True)
            return False
        if self.store is not None:
            config.samples_folder = str(self.store.folder)  # the store the Draw tab adds to
        model, meta = None, None
        if config.from_current:
            model, meta = self._current_model()
            if model is None:
                self._say("There is no current model to fine-tune.", error=True)
                return False
        self.banner.setVisible(False)
        self._predictions = None
        self.controller.start(config, model, meta, paused=paused)
        self.curves.set_history(self.controller.history)
        return True

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        self.controller.resume()

    def step(self) -> None:
        """One batch then pause; starts a paused run first when none is going."""
        if not self.is_running() and not self.start(paused=True):
            return
        self.views.setCurrentWidget(self.backprop)
        self.controller.step()

    def stop(self) -> None:
        self.controller.stop()

    def stop_and_wait(self, timeout_s: float = 10.0) -> bool:
        """For closeEvent: stop the run and wait for its thread; True when it has ended."""
        return self.controller.stop_and_wait(timeout_s)

    def prepare_to_close(self) -> bool:
        """Stop a run cleanly, then offer to save; False when the person cancelled closing."""
        self.stop_and_wait()
        return self.offer_save_on_close()

    def offer_save_on_close(self) -> bool:
        """Ask whether to save trained, unsaved weights; False means 'do not close'."""
        if not self.unsaved or self.controller.model is None:
            return True
        answer = self._ask_save_on_close()
        if answer == "cancel":
            return False
        if answer == "save":
            path = self._ask_save_path()
            return bool(path) and self.save_model_as(path)
        return True

    # --- files ---------------------------------------------------------------------------------

    def default_save_path(self) -> Path:
        name = (self.controller.meta or {}).get("name") or self.setup.name.text() or "my-model"
        return data_dir() / "models" / f"{name}.npz"

    def save_model_as(self, path) -> bool:
        """Write the newest trained model (else the current one) with its history, atomically."""
        if is_shipped_model(path):
            self.show_message("warning", "Not saved", "The shipped model is never overwritten; "
                              "choose another file name.")
            return False
        model, meta = self.controller.model, self.controller.meta
        if model is None:
            model, meta = self._current_model()
            if model is None:
                return False
            meta = {**(meta or {}), **History.from_meta(meta).to_meta()}
        try:
            written = checkpoint.save(model, path, meta)
        except (OSError, ValueError) as e:
            self.show_message("warning", "Could not save the model", str(e))
            return False
        if model is self.controller.model:
            self.unsaved = False
        self._say(f"Saved {written}")
        self.model_saved.emit(str(written))
        return True

    def open_model(self, path) -> bool:
        """Load a model file, show its training curves, and emit model_opened."""
        if self.is_running():
            self.show_message("warning", "Training is running", "Stop the run first.")
            return False
        try:
            model, meta = checkpoint.load(path)
        except checkpoint.CheckpointError as e:
            self.show_message("warning", "Could not open the model", str(e))
            return False
        c = self.controller
        c.model, c.meta, c.history = model, meta, History.from_meta(meta)
        self.unsaved = False
        self.curves.set_history(c.history)
        self._say(f"Opened {path}: {len(c.history.epochs)} epochs of training history.")
        self.model_opened.emit(model, meta, str(path))
        return True

    def show_history(self, meta: dict) -> None:
        """Draw the curves a model's metadata carries (when the window opened it itself)."""
        if not self.is_running():
            self.curves.set_history(History.from_meta(meta))

    # --- overridable interaction (tests replace these; nothing here blocks a test) ------------

    def show_message(self, kind: str, title: str, text: str) -> None:
        """Tell the person something in the tab's banner; never modal."""
        self.last_message = (kind, title, text)
        self.banner.setText(f"<b>{title}</b> {text}")
        self.banner.setVisible(True)

    def _ask_save_path(self) -> str:
        folder = self.default_save_path()
        folder.parent.mkdir(parents=True, exist_ok=True)
        path, _ = QFileDialog.getSaveFileName(self, "Save model", str(folder),
                                              "LetterLens models (*.npz)")
        return path

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", str(data_dir() / "models"),
                                              "LetterLens models (*.npz)")
        return path

    def _ask_save_on_close(self) -> str:
        """'save', 'discard' or 'cancel'."""
        b = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Save the trained model?",
            "The network was trained in this session and not saved. Save it?",
            b.Save | b.Discard | b.Cancel, b.Save)
        return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")

    # --- refreshing from outside ---------------------------------------------------------------

    def refresh_current_model(self) -> None:
        """Re-read the current model's description (call when the window's model changes;
        while a run goes on, the window's model is this tab's own, so nothing changes)."""
        if self.is_running():
            return
        model, meta = self._current_model()
        if model is None:
            self.setup.set_current_model(None)
            return
        name = (meta or {}).get("name") or "current model"
        epochs = len((meta or {}).get("history") or [])
        self.setup.set_current_model(
            f"{name}: {model.num_parameters():,} parameters, {epochs} epochs so far",
            model.spec)

    def refresh_samples_count(self) -> None:
        if self.store is not None:
            self.setup.set_samples_count(len(self.store))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.curves.refresh(self.controller.history)
        if not self.is_running():
            self.refresh_current_model()
            self.refresh_samples_count()

    # --- slots ---------------------------------------------------------------------------------

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(f"<span style='color:#e06c6c'>{text}</span>" if error else text)

    def _on_start_clicked(self) -> None:
        if self.start():
            self.views.setCurrentWidget(self.curves)

    def _on_pause_clicked(self) -> None:
        if self.controller.state == PAUSED:
            self.resume()
        else:
            self.pause()

    def _on_save_clicked(self) -> None:
        path = self._ask_save_path()
        if path:
            self.save_model_as(path)

    def _on_open_clicked(self) -> None:
        path = self._ask_open_path()
        if path:
            self.open_model(path)

    def _on_views_current_changed(self, index: int) -> None:
        if self.views.widget(index) is self.preview and not len(self.preview.images):
            self.preview.refresh()
        elif self.views.widget(index) is self.curves:
            self.curves.refresh(self.controller.history)

    def _on_controller_state_changed(self, state: str) -> None:
        busy = state != IDLE
        self.start_button.setEnabled(not busy)
        self.pause_button.setEnabled(state in (RUNNING, PAUSED))
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        self.stop_button.setEnabled(state in (LOADING, RUNNING, PAUSED))
        self.step_button.setEnabled(state in (IDLE, PAUSED, RUNNING))
        self.save_button.setEnabled(state in (IDLE, PAUSED))
        self.open_button.setEnabled(not busy)
        self.setup.set_running(busy)
        if state == PAUSED:
            self.progress.setFormat(self.progress.format().split(" · paused")[0] + " · paused")
        elif state == STOPPING:
            self._say("Stopping after this batch…")

    def _on_controller_status_changed(self, text: str, fraction: float) -> None:
        if self.controller.state == LOADING:
            if fraction < 0:
                self.progress.setRange(0, 0)  # busy
            else:
                self.progress.setRange(0, 1000)
                self.progress.setValue(int(fraction * 1000))
            self.progress.setFormat(text)
        self._say(text[:1].upper() + text[1:])

    def _on_controller_data_loaded(self, info: dict) -> None:
        self.progress.setRange(0, 1000)
        self._val_x, self._val_y = info["val_x"], info["val_y"]
        sources = ", ".join(f"{name} {n:,}" for name, n in info["sources"])
        self._say(f"Training on {info['train_n']:,} letters, validating on {info['val_n']:,} "
                  f"({sources}); {info['num_parameters']:,} parameters.")

    def _on_controller_progressed(self, chunk: dict) -> None:
        # Hidden curves (the person is drawing) cost nothing: they catch up when shown.
        if self.curves.isVisible():
            self.curves.refresh(self.controller.history)
        self.progress.setValue(int(chunk["fraction"] * 1000))
        paused = " · paused" if self.controller.state == PAUSED else ""
        self.progress.setFormat(
            f"epoch {chunk['epoch']}/{chunk['epochs']} · batch {chunk['step']}/"
            f"{chunk['steps_per_epoch']} · {chunk['samples_per_s']:,.0f} letters/s · "
            f"ETA {_clock(chunk['eta_s'])} · loss {chunk['loss'][-1]:.3f}{paused}")

    def _on_controller_epoch_finished(self, result: dict) -> None:
        e = result["entry"]
        if self.curves.isVisible():
            self.curves.refresh(self.controller.history)
        text = (f"Epoch {e['epoch']}: training loss {e['loss']:.3f}, accuracy "
                f"{e['accuracy']:.1%}")
        if e.get("val_accuracy") is not None:
            text += f"; validation loss {e['val_loss']:.3f}, accuracy {e['val_accuracy']:.1%}"
        self._say(text + ".")
        if "confusion" not in result:
            return
        self._predictions = result["predictions"]
        self.confusion.set_result(result["confusion"], result["per_class"])
        self.confusion.clear_selection()
        self._show_mistakes(result["gallery"])

    def _show_mistakes(self, g: dict) -> None:
        idx = g["index"]
        captions, tips = mistake_captions(self._val_y[idx], g["top"], g["p"])
        self.gallery.set_items(self._val_x[idx], captions, tips)
        wrong = int((self._predictions != self._val_y).sum())
        self.gallery.set_title(f"{wrong:,} validation letters misread; the {len(idx)} surest "
                               "mistakes, with the network's top 3 guesses:")

    def _on_confusion_cell_clicked(self, true: int, pred: int) -> None:
        if self._predictions is None:
            return
        idx = np.flatnonzero((self._val_y == true) & (self._predictions == pred))
        verb = "read correctly" if true == pred else f"read as {LETTERS[pred]}"
        caption = f"{LETTERS[true]} → {LETTERS[pred]}"
        self.gallery.set_items(self._val_x[idx], [caption] * len(idx))
        shown = min(len(idx), self.gallery.capacity)
        self.gallery.set_title(f"True {LETTERS[true]} {verb}: {len(idx):,} validation letters"
                               + (f" (first {shown} shown)" if shown < len(idx) else ""))

    def _on_controller_step_inspected(self, flow: dict) -> None:
        self.backprop.set_flow(flow)

    def _on_controller_weights_published(self, model: Sequential, meta: dict) -> None:
        self.unsaved = True
        self.weights_published.emit(model, meta)

    def _on_controller_run_finished(self, result: dict) -> None:
        reason = result["reason"]
        if reason in ("diverged", "failed"):
            title = "Training stopped." if reason == "diverged" else "Training failed."
            text = result["message"]
            if reason == "diverged":
                text = ("The loss became NaN or infinite — learning rate too high? "
                        "The last good weights were restored.")
            self.show_message("warning", title, text)
            self._say(result["message"], error=True)
        else:
            self._say(result["message"] or "Training finished. Save the model to keep it.")
        self.progress.setFormat(self.progress.format().split(" · paused")[0]
                                + f" · {reason}")
        self.run_finished.emit(result)
