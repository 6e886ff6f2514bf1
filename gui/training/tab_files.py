"""The Train tab's model files: save (never over the shipped model), open, and the questions
before unsaved weights are dropped. A mixin of TrainTab, which gives controller, setup,
unsaved, show_message and _say."""

import logging
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from cnn import checkpoint
from cnn.model import Sequential
from cnn.paths import DEFAULT_MODEL, data_dir
from gui.models import SaveError, load_model_file, save_model_file
from gui.training.controller import LOADING, RUNNING
from gui.training.history import History
from gui.untrusted import file_stem, full_name

log = logging.getLogger(__name__)


def is_shipped_model(path) -> bool:
    try:
        return Path(path).resolve() == DEFAULT_MODEL.resolve()
    except OSError:
        return False


class TabFiles:
    """Save, open and offer to save, for the Train tab."""

    def offer_save_on_close(self) -> bool:
        """Ask whether to save trained, unsaved weights; False means 'do not close'."""
        return self.offer_save("close")

    def offer_save(self, action: str) -> bool:
        """Before unsaved weights are dropped to `action`: Save (then go on), Discard (go on)
        or Cancel (False: do not `action`)."""
        if not self.unsaved or self._current_weights()[0] is None:
            return True
        answer = self._ask_save_on_close() if action == "close" else self._ask_save_before(action)
        if answer == "cancel":
            return False
        return answer == "discard" or self._save_with_dialog()

    def _save_with_dialog(self) -> bool:
        path = self._ask_save_path()
        return bool(path) and self.save_model_as(path)

    def _current_weights(self) -> tuple[Sequential | None, dict]:
        """The weights the window shows, else (the tab alone) this tab's newest."""
        model, meta = self._current_model()
        if model is None:
            model, meta = self.controller.model, self.controller.meta
        return model, meta or {}

    def default_save_path(self) -> Path:
        """<name>.npz in the folder last saved to or opened from (this session, or the one the
        window's settings recall), else models/ in the data folder; the name (from a file,
        maybe) made file-safe."""
        name = full_name(self._current_weights()[1]) or self.setup.name.text()
        return self.model_folder() / f"{file_stem(name, 'my-model')}.npz"

    def model_folder(self) -> Path:
        """Where the save and open dialogs of the tab and of the File menu start."""
        return self._model_folder or data_dir() / "models"

    def dialog_folder(self) -> Path:
        """`model_folder()`, made if missing: a fresh install has none, and a dialog given a
        folder that does not exist starts wherever the app was launched from. A remembered
        folder removed since gives way to the data folder's; the home folder when that cannot
        be made."""
        folder = self.model_folder()
        if self._model_folder is not None and not folder.is_dir():
            folder = data_dir() / "models"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only or full data folder: the person picks another place
            log.warning("cannot create %s", folder, exc_info=True)
            return Path.home()
        return folder

    def remember_folder(self, path) -> None:
        """A model was saved to or opened from `path`: the next dialogs start beside it."""
        self.set_model_folder(Path(path).parent)

    def set_model_folder(self, folder: Path | None) -> None:
        self._model_folder = folder

    def remembered_folder(self) -> Path | None:
        """The folder last saved to or opened from; None before the first."""
        return self._model_folder

    def save_model_as(self, path) -> bool:
        """Write the current weights (the window's, else the newest trained) with their history,
        atomically."""
        if is_shipped_model(path):
            self.show_message("warning", "Not saved", "The shipped model is never overwritten; "
                              "choose another file name.")
            return False
        model, meta = self._current_weights()
        if model is None:
            return False
        if model is not self.controller.model:  # taught or opened: its curves as they were
            meta = {**meta, **History.from_meta(meta).to_meta()}
        try:
            written = save_model_file(model, path, meta)
        except SaveError as e:
            self.show_message("warning", "Could not save the model", str(e))
            return False
        self.unsaved = False
        self.last_saved = model
        self.remember_folder(written)
        self.clear_banner()
        self._say(f"Saved {written}")
        self.model_saved.emit(str(written))
        return True

    def open_model(self, path) -> bool:
        """Load a model file, show its training curves, and emit model_opened (after offering
        to save unsaved weights it replaces)."""
        if self.is_running():
            self.show_message("warning", "Training is running", "Stop the run first.")
            return False
        try:
            loaded = load_model_file(path)
        except checkpoint.CheckpointError as e:
            log.warning("could not open %s: %s", path, e)
            self.show_message("warning", "Could not open the model", str(e))
            return False
        if not self.offer_save("open another model"):
            return False
        c = self.controller
        c.model, c.meta, c.history = loaded.model, loaded.meta, History.from_meta(loaded.meta)
        self.unsaved = False
        self.remember_folder(path)
        self.views.show_history(c.history)
        self.clear_banner()
        self.controls.clear_run(f"Opened {path}: {len(c.history.epochs)} epochs of training "
                                "history.")
        self.model_opened.emit(loaded.model, loaded.meta, str(path))
        return True

    def clear_banner(self) -> None:
        """A save, an open or a run that starts has settled whatever the banner warned about
        (a failed save most of all): a banner left up would read as this success failing."""
        self.controls.hide_banner()

    def ask_save_path(self, parent=None, title: str = "Save model") -> str:
        """The save dialog of both save commands, at default_save_path(); '' when cancelled."""
        suggested = self.dialog_folder() / self.default_save_path().name
        path, _ = QFileDialog.getSaveFileName(parent or self, title, str(suggested),
                                              "LetterLens models (*.npz)")
        return path

    def _ask_save_path(self) -> str:
        return self.ask_save_path()

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Open model", str(self.dialog_folder()),
                                              "LetterLens models (*.npz)")
        return path

    def _ask_save_on_close(self) -> str:
        """'save', 'discard' or 'cancel' (closing the window)."""
        return self._ask_save_before("close")

    def _ask_save_before(self, action: str) -> str:
        """'save', 'discard' or 'cancel' before unsaved weights are dropped to `action`."""
        b = QMessageBox.StandardButton
        going = self.controller.state in (LOADING, RUNNING)  # paused stays paused
        running = " (training goes on while you decide)" if going else ""
        answer = QMessageBox.question(
            self, "Save the trained model?",
            "The network was trained or taught in this session and not saved"
            f"{running}. Save it before you {action}?",
            b.Save | b.Discard | b.Cancel, b.Save)
        return {b.Save: "save", b.Discard: "discard"}.get(answer, "cancel")

    def _on_save_clicked(self) -> None:
        path = self._ask_save_path()
        if path:
            self.save_model_as(path)

    def _on_open_clicked(self) -> None:
        path = self._ask_open_path()
        if path:
            self.open_model(path)

    def prepare_to_close(self) -> bool:
        """Ask about unsaved weights first (a run goes on while the question is open), then
        stop a run cleanly; False when the person cancelled closing (a run keeps going)."""
        if self.is_running() and (self.unsaved or self.controller.state != LOADING):
            answer = self._ask_save_on_close()
            path = self._ask_save_path() if answer == "save" else ""
            if answer == "cancel" or answer == "save" and not path:
                return False  # nothing chosen: the run goes on
            self.stop_and_wait()
            closing = answer == "discard" or self.save_model_as(path)
        else:
            self.stop_and_wait()
            closing = self.offer_save_on_close()
        if closing:
            self.setup.loader.cancel()  # a file still being read ends on its own
        return closing

    def show_history(self, meta: dict) -> None:
        """Draw the curves a model's metadata carries (when the window opened it itself)."""
        if not self.is_running():
            self.views.show_history(History.from_meta(meta))
