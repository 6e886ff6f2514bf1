"""The Train tab: set up a run on the left, watch it learn on the right.

Independent of the main window: it asks a callable for the current model, emits
`weights_published(model, meta)` for the Draw tab (throttled, each a model of its own), and offers
save / open / stop_and_wait / offer_save_on_close for the window's menus and closeEvent (files
and the questions before unsaved weights are dropped: tab_files.TabFiles).
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnn.model import Sequential
from cnn.runs.setup import small_validation
from gui import logs
from gui.training.collapse import collapse_warning
from gui.training.controller import IDLE, LOADING, PAUSED, TrainController
from gui.training.controls import RunControls
from gui.training.history import History
from gui.training.my_samples import MySamplesDialog
from gui.training.setup_panel import SetupPanel
from gui.training.tab_files import TabFiles
from gui.training.views import RunViews
from gui.untrusted import elide, name_of

log = logging.getLogger(__name__)
# The controller's signals, each received by _on_controller_<name>.
CONTROLLER_SIGNALS = ("state_changed", "status_changed", "data_loaded", "progressed",
                      "epoch_finished", "step_inspected", "weights_published", "run_finished")
CurrentModel = Callable[[], tuple[Sequential | None, dict]]


class TrainTab(TabFiles, QWidget):
    """Train the network from the window and watch it learn."""

    weights_published = Signal(object, object)  # model (the receiver keeps it), meta
    run_finished = Signal(object)  # {'reason': 'done'|'stopped'|'diverged'|'failed', 'message'}
    model_saved = Signal(str)
    model_opened = Signal(object, object, str)  # model, meta, path
    samples_edited = Signal()  # samples deleted or relabelled in the My samples window

    def __init__(self, current_model: CurrentModel | None = None, sample_store=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainTab")
        self._current_model = current_model or (lambda: (None, {}))
        self.store = sample_store
        self.controller = TrainController(self)
        self.last_message: tuple[str, str, str] | None = None
        self.unsaved = False  # the current weights (a run's, or taught) are in no file
        self.last_saved: Sequential | None = None  # the model the last save wrote
        self._model_folder: Path | None = None  # last saved to or opened from
        self._skipped_seen: set[str] = set()
        self.collapse = ""  # the warning when the last epoch's predictions collapsed, or ""
        self._run_published = False  # the run going on, or the last, sent trained weights
        self.samples_window: MySamplesDialog | None = None  # made when first asked for
        self._samples_window_changing = False  # its change is being passed on
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

        self.controls = RunControls()
        c = self.controls
        self.start_button, self.pause_button = c.start_button, c.pause_button
        self.stop_button, self.step_button = c.stop_button, c.step_button
        self.save_button, self.open_button = c.save_button, c.open_button
        self.progress, self.status, self.banner = c.progress, c.status, c.banner

        self.views = RunViews(self.store)
        v = self.views
        self.curves, self.confusion, self.gallery = v.curves, v.confusion, v.gallery
        self.backprop, self.preview = v.backprop, v.preview

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(4, 4, 4, 4)
        rv.addWidget(self.controls)
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
        self.setup.degrade_changed.connect(self.preview.set_degrade)
        self.setup.problem_changed.connect(self.controls.set_blocked)
        self.setup.samples_requested.connect(self.show_samples)
        self.setup.data_changed.connect(
            lambda: self.preview.set_sources(*self.setup.training_sources()))
        self.preview.set_sources(*self.setup.training_sources())
        for name in CONTROLLER_SIGNALS:
            getattr(self.controller, name).connect(getattr(self, f"_on_controller_{name}"))

    # --- running -------------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.controller.is_running()

    def start(self, paused: bool = False, continue_current: bool = False) -> bool:
        """Start a run with the form's settings (fine-tuning the current weights when
        `continue_current`); False (and a note) when they do not hold or the person keeps the
        unsaved weights a run from scratch would replace."""
        if self.is_running():
            return False
        try:
            config = self.setup.config()
        except ValueError as e:
            self._say(str(e), error=True)
            return False
        if continue_current:
            config = replace(config, from_current=True)
        if self.store is not None:
            config.samples_folder = str(self.store.folder)  # the store the Draw tab adds to
        model, meta = None, None
        if config.from_current:
            model, meta = self._current_weights()
            if model is None:
                self._say("There is no current model to fine-tune.", error=True)
                return False
        elif not self.offer_save("start a new network from scratch"):
            return False
        self.clear_banner()
        self.collapse = ""
        self._run_published = False
        self.controller.start(config, model, meta, paused=paused)
        self.views.show_history(self.controller.history)
        return True

    def pause(self) -> None:
        self.controller.pause()

    def resume(self) -> None:
        self.controller.resume()

    def step(self) -> None:
        """One batch then pause; starts a paused run first when none is going. Unsaved weights
        (a run's, or taught) go on training, their history continued; otherwise the form's
        Start from choice holds (nothing unsaved is lost by it)."""
        if not self.is_running():
            go_on = self.unsaved
            if not self.start(paused=True, continue_current=go_on):
                return
            if go_on:
                self._say("Stepping on from the current weights: one batch, then paused.")
        self.views.setCurrentWidget(self.backprop)
        self.controller.step()

    def stop(self) -> None:
        self.controller.stop()

    def stop_and_wait(self, timeout_s: float = 10.0) -> bool:
        """For closeEvent: stop the run and wait for its thread; True when it has ended."""
        return self.controller.stop_and_wait(timeout_s)

    # --- overridable interaction (tests replace these; nothing here blocks a test) ------------

    def show_message(self, kind: str, title: str, text: str) -> None:
        """Tell the person something in the tab's banner; never modal."""
        self.last_message = (kind, title, text)
        self.controls.show_banner(title, text)

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
        name = name_of(meta, "current model")
        epochs = len(History.from_meta(meta).epochs)
        described = (f"{name}: {model.num_parameters():,} parameters, {epochs} "
                     f"epoch{'s' if epochs != 1 else ''} so far")
        self.setup.set_current_model(described, model.spec)
        if self.controls.shows_run and model is not self.controller.model:
            # Opened, or taught: "done" and "Save the model to keep it" were the run's.
            self.controls.clear_run(f"Loaded {described}.")

    def refresh_samples_count(self) -> None:
        if self.store is not None:
            self.setup.set_samples_count(len(self.store), self.samples_note())
            self.setup.samples_note.setToolTip(logs.hint())

    def samples_changed(self, window_too: bool = True) -> None:
        """Samples were added, deleted or relabelled: the count, the training data view and
        (unless not `window_too`) the My samples window show them as they now are."""
        if self._samples_window_changing:  # its change, already refreshed for
            return
        self.refresh_samples_count()
        self.preview.refresh()
        if window_too and self.samples_window is not None and self.samples_window.isVisible():
            self.samples_window.reload()

    def show_samples(self) -> None:
        """Open the My samples window (one for the tab), or bring it to the front."""
        if self.store is None:
            return
        if self.samples_window is None:
            self.samples_window = MySamplesDialog(self.store, self.window())
            self.samples_window.changed.connect(self._on_samples_window_changed)
        else:
            self.samples_window.reload()
        self.samples_window.show()
        self.samples_window.raise_()
        self.samples_window.activateWindow()

    def _on_samples_window_changed(self) -> None:
        # Each refresh reads the whole samples folder: the count and the preview once here,
        # the window (which reloaded itself) not again when the teach bar's counts come back.
        self.samples_changed(window_too=False)
        self._samples_window_changing = True
        try:
            self.samples_edited.emit()
        finally:
            self._samples_window_changing = False

    def samples_note(self) -> str:
        """'1 damaged sample skipped: x.npz — see the log' ('' when every sample reads)."""
        skipped = self.store.problems
        for name, reason in skipped:
            if name not in self._skipped_seen:
                self._skipped_seen.add(name)
                log.warning("skipped a damaged sample %s: %s", name, reason)
        if not skipped:
            return ""
        n = len(skipped)
        names = ", ".join(elide(name, 40) for name, _ in skipped[:3]) + (", …" if n > 3 else "")
        why = " — see the log" if logs.hint() else ""  # no log file: the reasons are in stderr
        return f"{n} damaged sample{'s' if n != 1 else ''} skipped: {names}{why}"

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.is_running():
            self.refresh_current_model()
            self.refresh_samples_count()

    # --- slots ---------------------------------------------------------------------------------

    def _say(self, text: str, error: bool = False) -> None:
        self.controls.say(text, error)

    def _on_start_clicked(self) -> None:
        if self.start():
            self.views.setCurrentWidget(self.curves)

    def _on_pause_clicked(self) -> None:
        if self.controller.state == PAUSED:
            self.resume()
        else:
            self.pause()

    def _on_controller_state_changed(self, state: str) -> None:
        self.controls.set_state(state)
        self.setup.set_running(state != IDLE)
        if state == IDLE:  # the run's weights became the current model while it ran
            self.refresh_current_model()

    def _on_controller_status_changed(self, text: str, fraction: float) -> None:
        if self.controller.state == LOADING:
            self.controls.set_loading(text, fraction)
        self._say(text[:1].upper() + text[1:])

    def _on_controller_data_loaded(self, info: dict) -> None:
        self.views.set_validation(info["val_x"], info["val_y"])
        sources = ", ".join(f"{name} {n:,}" for name, n in info["sources"])
        self._say(f"Training on {info['train_n']:,} letters, validating on {info['val_n']:,} "
                  f"({sources}); {info['num_parameters']:,} parameters.")
        config = self.controller.config
        if not info["val_n"] and config.val_fraction > 0 and not config.val_files:
            self.show_message(
                "warning", "No validation letters.",
                "A held-out share takes whole writers and keeps one to train on, so letters "
                "of a single writer (My samples are all yours) leave none to validate on: "
                "this run shows no validation accuracy or mistakes. Add a file of "
                "handwriting to validate on, or tick synthetic letters.")
        elif note := small_validation(info["val_n"]):
            self.show_message("warning", "Small validation set.", note[:1].upper() + note[1:]
                              + ". Add more letters, raise the validation share, or validate "
                              "on a file of its own.")

    def _on_controller_progressed(self, chunk: dict) -> None:
        self.views.refresh_history()  # hidden curves (the person draws) wait until shown
        self.controls.set_progress(chunk, paused=self.controller.state == PAUSED)

    def _on_controller_epoch_finished(self, result: dict) -> None:
        e = result["entry"]
        text = (f"Epoch {e['epoch']}: training loss {e['loss']:.3f}, accuracy "
                f"{e['accuracy']:.1%}")
        if e.get("val_accuracy") is not None:
            text += f"; validation loss {e['val_loss']:.3f}, accuracy {e['val_accuracy']:.1%}"
        self._say(text + ".")
        self.views.set_epoch_result(result)
        # A model reading everything as one letter: say so at once (the loss may look fine).
        found, config = result.get("collapse"), self.controller.config
        self.collapse = ""
        if found:  # the advice names the run's optimizer and rate (epochs come from a run)
            self.collapse = collapse_warning(found, e["epoch"], config.optimizer, config.lr)
            self.show_message("warning", "Predictions collapsed.", self.collapse)

    def _on_controller_step_inspected(self, flow: dict) -> None:
        self.views.set_flow(flow)

    def _on_controller_weights_published(self, model: Sequential, meta: dict) -> None:
        self.unsaved = True
        self._run_published = True
        self.weights_published.emit(model, meta)

    def _on_controller_run_finished(self, result: dict) -> None:
        reason = result["reason"]
        if reason in ("diverged", "failed"):
            title = "Training stopped." if reason == "diverged" else "Training failed."
            text = logs.with_hint(result["message"])
            if reason == "diverged":
                text = ("The loss became NaN or infinite — learning rate too high? "
                        "The last good weights were restored.")
            self.show_message("warning", title, text)
            self._say(result["message"], error=True)
        elif self.collapse:
            ended = "stopped; its" if reason == "stopped" else "finished, but"
            self.show_message("warning", f"Training {ended} predictions collapsed.",
                              self.collapse)
            self._say((result["message"] or "Training finished.") + " " + self.collapse,
                      error=True)
        else:
            self._say(result["message"] or "Training finished. Save the model to keep it.")
        self.controls.set_finished(reason)
        if not self._run_published:  # stopped or failed before a batch: the model is as it was
            self.views.show_history(History.from_meta(self._current_weights()[1]))
        self.run_finished.emit(result)
