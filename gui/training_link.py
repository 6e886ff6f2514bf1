"""Joins the Train tab and the teach bar to the main window: one sample store, the newest
weights into the Draw tab, the docks out of the Train tab's way, letter keys for the bar."""

from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QMainWindow

from cnn.model import Sequential
from cnn.samples import SampleStore
from gui.predictor import Prediction
from gui.training.tab import TrainTab
from gui.training.teach import TeachBar, TeachController
from gui.untrusted import count, elide, entries, name_of

LABEL_KEYS_TIP = ("Shift+letter on the canvas, or a letter while this bar has focus, "
                  "sets the label")


def _is_letter(text: str) -> bool:
    return len(text) == 1 and text.isascii() and text.isalpha()


def taught_name(meta: dict) -> str:
    """The status bar's name for weights the teach bar changed: 'base · taught 2 drawings
    (7 steps)'; a step kept on the Step through tab is one more step on its drawing."""
    parts = []
    taught, steps = count(meta, "taught_drawings"), count(meta, "taught_steps")
    if taught:
        said = f"taught {taught} drawing{'s' if taught != 1 else ''}"
        parts.append(f"{said} ({steps} step{'s' if steps != 1 else ''})" if steps else said)
    if entries(meta, "fine_tuned_on_my_samples"):
        parts.append("fine-tuned on my samples")
    return " · ".join([name_of(meta), *parts]) + " (unsaved)"


def training_name(meta: dict, running: bool) -> str:
    """'tiny · training… (epoch 2)' while a run goes on, 'tiny · trained 3 epochs' after."""
    done = len({e.get("epoch") for e in entries(meta, "history")})
    base = name_of(meta)
    if running:
        return f"{base} · training… (epoch {done + 1})"
    return f"{base} · trained {done} epoch{'s' if done != 1 else ''} (unsaved)"


class TrainingLink(QObject):
    """Owns `sample_store`, `train_tab`, `teach` and `teach_bar` for `window` (a MainWindow)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self._window = window
        self.sample_store = SampleStore()
        self.train_tab = TrainTab(self.current_model, self.sample_store)
        # A tab's minimum size is the tab widget's: the Train tab's must not squeeze the docks
        # beside the Draw tab (they are hidden while it shows, so it has the room then).
        self.train_tab.setMinimumSize(1, 1)
        self.train_index = window.add_tab(self.train_tab, "Train")
        # The curves of the model the window starts with, as opening it from the File menu shows.
        self.train_tab.show_history(window.predictor.meta)
        self.teach = TeachController(self.current_model, self.sample_store, parent=self)
        self.teach_bar = TeachBar(self.teach, self.current_drawing)
        self.teach_bar.setToolTip(LABEL_KEYS_TIP)
        self.teach_bar.label.setToolTip(f"The correct letter for this drawing ({LABEL_KEYS_TIP})")
        window.draw_tab.layout().addWidget(self.teach_bar)
        # The details lie over the canvas's lower edge: the canvas shows the whole drawing above.
        self.teach_bar.results.covered_changed.connect(window.canvas.set_covered)
        self.published: Sequential | None = None  # the Train tab's model the window shows
        self._taught: Sequential | None = None  # the model teaching or fine-tuning last made
        self._draw_state: QByteArray | None = None  # dock layout while the Train tab hides it
        self._shown_docks: list = []
        self._waiting: tuple | None = None  # weights published while a stroke was drawn
        self._connect_signals()

    def _connect_signals(self) -> None:
        w = self._window
        self.train_tab.weights_published.connect(self._on_train_tab_weights_published)
        self.train_tab.run_finished.connect(self._on_train_tab_run_finished)
        self.train_tab.model_opened.connect(self._on_train_tab_model_opened)
        self.train_tab.model_saved.connect(self._on_train_tab_model_saved)
        self.teach.weights_published.connect(self._on_teach_weights_published)
        self.teach.counts_changed.connect(lambda _: self.train_tab.samples_changed())
        # Deleted or relabelled in the My samples window: the teach bar counts them again.
        self.train_tab.samples_edited.connect(
            lambda: self.teach.counts_changed.emit(self.teach.counts()))
        self.teach_bar.samples_requested.connect(self.train_tab.show_samples)
        w.actions_by_name["my_samples"].triggered.connect(self.train_tab.show_samples)
        self.train_tab.controller.state_changed.connect(self._on_run_state_changed)
        w.predictor.model_changed.connect(self.train_tab.refresh_current_model)
        w.predictor.model_changed.connect(self._on_predictor_model_changed)
        w.predictor.predicted.connect(self._on_predictor_predicted)
        w.canvas.drawing_changed.connect(self.teach_bar.drawing_changed)
        w.tabs.currentChanged.connect(self._on_tabs_current_changed)
        # While a pen moves, a run keeps to one core: the other paints every panel.
        for signal in (w.canvas.stroke_started, w.canvas.stroke_changed):
            signal.connect(self.train_tab.controller.person_is_drawing)
        w.canvas.stroke_finished.connect(self._on_stroke_finished)
        # Letter keys: P and E are window shortcuts, so plain letters label only while the bar
        # has focus; on the rest of the Draw tab, its panels and its title Shift+letter does.
        # The panels' drop-downs and lists too: they would take Shift+letter to find an item,
        # before it reached their panel (the Kernels box switched layer on Shift+C).
        lists = [c for d in w.docks.values()
                 for kind in (QComboBox, QAbstractItemView) for c in d.findChildren(kind)]
        self._shift_letter_widgets = [w.draw_tab, *w.docks.values(), w.tabs.tabBar(), *lists]
        for widget in (self.teach_bar, self.teach_bar.label, *self._shift_letter_widgets):
            widget.installEventFilter(self)

    # --- for the window ------------------------------------------------------------------------

    def current_model(self) -> tuple[Sequential, dict]:
        p = self._window.predictor
        meta = dict(p.meta)
        meta.setdefault("name", p.name)
        return p.model, meta

    def current_drawing(self):
        """(strokes, image28, probs) of the drawing on the canvas, None when it is blank."""
        p = self._window.predictor.last
        if p is None or p.blank:
            return None
        return self._window.canvas.strokes(), p.pre.image, p.probs

    def is_train_current(self) -> bool:
        return self._window.tabs.currentIndex() == self.train_index

    def dock_state(self) -> QByteArray:
        """The dock layout to remember: the Draw tab's, even while another tab hides it."""
        if self._draw_state is not None:  # another tab hides the docks
            return self._draw_state
        return self._window.saveState()

    def prepare_to_close(self) -> bool:
        """Let a teaching call end (its weights count as work), then ask about unsaved weights
        before stopping a run; False: keep the window open (and the run going)."""
        self.teach.wait()
        return self._said_in_window(self.train_tab.prepare_to_close)

    def keep_work(self, action: str) -> bool:
        """Before the shown weights are replaced: offer to save unsaved ones (a run's or
        teaching's). False when the person cancelled `action`, or the save failed."""
        return self._said_in_window(lambda: self.train_tab.offer_save(action))

    def _said_in_window(self, ask) -> bool:
        """`ask()`, with what the Train tab said meanwhile (a save that failed, and why) shown
        in the window too when that tab is not in front: its banner would be out of sight."""
        before = self.train_tab.last_message
        answer = ask()
        said = self.train_tab.last_message
        if said is not before and said is not None and (
                self._window.tabs.currentWidget() is not self.train_tab):
            self._window.show_message(*said)
        return answer

    def mark_saved(self) -> None:
        """The window's weights are now in a file (saved, or opened from one)."""
        self.train_tab.unsaved = False

    def notes(self) -> list[str]:
        """What the person should know about their files (damaged samples skipped)."""
        note = self.train_tab.samples_note()
        return [note] if note else []

    # --- slots ---------------------------------------------------------------------------------

    def _on_train_tab_weights_published(self, model: Sequential, meta: dict) -> None:
        # Never under a moving pen: a swap re-reads the drawing and repaints every panel
        # (about 35 ms), so it waits for the stroke to end, keeping only the newest weights.
        if self._window.canvas.stroke_in_progress():
            self._waiting = (model, meta, self._window.model)
            return
        self._waiting = None
        self.published = model
        self._window.set_model(model, meta, training_name(meta, self.train_tab.is_running()))

    def _on_stroke_finished(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and self._window.model is waiting[2]:  # nothing else came since
            self._on_train_tab_weights_published(waiting[0], waiting[1])

    def _on_run_state_changed(self, state: str) -> None:
        self.teach.run_active = state != "idle"
        self.teach_bar.set_run_active(state != "idle")

    def _on_train_tab_run_finished(self, result: dict) -> None:
        if self.published is not None and self._window.model is self.published:
            meta = self._window.predictor.meta
            self._window.rename_model(training_name(meta, running=False))

    def _on_train_tab_model_opened(self, model: Sequential, meta: dict, path: str) -> None:
        self.published = None
        self._window.set_model(model, meta, name_of(meta, elide(Path(path).stem)), Path(path))

    def _on_train_tab_model_saved(self, path: str) -> None:
        if self.train_tab.last_saved is self._window.model:
            self._window.remember_file(Path(path))
            self._window.rename_model(name_of(self._window.predictor.meta,
                                              elide(Path(path).stem)))

    def _on_teach_weights_published(self, model: Sequential, meta: dict) -> None:
        self.published = None
        self._taught = model
        self.train_tab.unsaved = True  # closing, Start or Open now ask before dropping it
        self._window.set_model(model, meta, taught_name(meta))

    def _on_predictor_model_changed(self) -> None:
        # Teaching's own weights come with its result; any other model makes that result old.
        if self._window.model is not self._taught:
            self._taught = None
            self.teach_bar.model_replaced()

    def _on_predictor_predicted(self, prediction: Prediction) -> None:
        if prediction.blank:  # cleared or erased: the next letter is a new drawing
            self.teach_bar.new_drawing()
        else:
            self.teach_bar.set_prediction(prediction.probs)

    def _on_tabs_current_changed(self, index: int) -> None:
        w = self._window
        # The docks belong to the Draw tab: every other tab (Train, Step through) hides them.
        training = w.tabs.widget(index) is not w.draw_tab
        if training and self._draw_state is None:
            self._draw_state = w.saveState()
            self._shown_docks = [d for d in w.docks.values() if not d.isHidden()]
            for dock in self._shown_docks:
                dock.hide()
        elif not training and self._draw_state is not None:
            w.restoreState(self._draw_state)
            for dock in self._shown_docks:
                dock.show()
            self._draw_state, self._shown_docks = None, []
        # The docks' View actions and Reset layout belong to the Draw tab.
        for dock in w.docks.values():
            dock.toggleViewAction().setEnabled(not training)
        w.actions_by_name["reset_layout"].setEnabled(not training)
        # So does Clear: Esc or Delete on another tab wiped a drawing out of sight (the one
        # Step through was showing), with no Undo button in view to bring it back.
        w.actions_by_name["clear"].setEnabled(not training)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched in self._shift_letter_widgets:
            if (kind == QEvent.Type.KeyPress
                    and self._window.tabs.currentWidget() is self._window.draw_tab
                    and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
                    and _is_letter(event.text())):
                return self.teach_bar.handle_key(event.text())
        elif kind == QEvent.Type.ShortcutOverride:
            # The bar (or its letter box) has focus: a plain letter is a label, not P or E.
            if event.modifiers() == Qt.KeyboardModifier.NoModifier and _is_letter(event.text()):
                event.accept()
                return True
        elif kind == QEvent.Type.KeyPress and watched is self.teach_bar.label:
            if event.modifiers() == Qt.KeyboardModifier.NoModifier and _is_letter(event.text()):
                return self.teach_bar.handle_key(event.text())
        return super().eventFilter(watched, event)
