"""The main window's model files: open, save, export the drawing or the model (ONNX), and the
file dialogs behind the File menu. A mixin of MainWindow, which gives predictor, training,
canvas, train_tab, show_message and set_model."""

import logging
import re
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QFileDialog

from cnn.checkpoint import CheckpointError
from cnn.fileio import atomic_write, why_not_written
from gui import logs
from gui.models import SaveError, load_model_file, save_model_file
from gui.training.tab_files import is_shipped_model
from gui.untrusted import file_stem, full_name

log = logging.getLogger(__name__)


class WindowFiles:
    """File › Open, Save, Export drawing and Export ONNX for the main window."""

    def open_model(self, path) -> bool:
        """Load a model file; a bad file is refused with a message and the current model kept."""
        if self.train_tab.is_running():
            self.show_message("warning", "Training is running",
                              "Stop the run on the Train tab first: it keeps sending weights.")
            return False
        try:
            loaded = load_model_file(path)
        except CheckpointError as e:
            log.warning("could not open %s: %s", path, e)
            self.show_message("warning", "Could not open the model",
                              f"{e}\n\nThe current model ({self.predictor.name}) is kept.")
            return False
        if not self.training.keep_work("open another model"):
            return False
        self.training.published = None
        self.training.mark_saved()
        if not is_shipped_model(path):  # its folder is the app's own, no place for the person's
            self.train_tab.remember_folder(path)
        self.set_model(loaded.model, loaded.meta, loaded.name, loaded.path)
        self.train_tab.show_history(loaded.meta)  # its learning curves, on the Train tab
        self.train_tab.clear_banner()
        self.statusBar().showMessage(f"Opened {loaded.path}", 5000)
        return True

    def save_model(self, path) -> bool:
        """Write the current model, its metadata and training history atomically; never over
        the shipped model. Weights from the Train tab are saved by the tab (it marks them saved)."""
        if is_shipped_model(path):
            self.show_message("warning", "Not saved", "The shipped model is never overwritten; "
                              "choose another file name.")
            return False
        if self.training.published is not None and self.model is self.training.published:
            if not self.train_tab.save_model_as(path):
                if self.train_tab.last_message:
                    self.show_message(*self.train_tab.last_message)
                return False
            self.statusBar().showMessage(f"Saved {self.model_path}", 5000)
            return True
        meta = {**self.predictor.meta, "name": full_name(self.predictor.meta,
                                                          self.predictor.name)}
        try:
            written = save_model_file(self.model, path, meta)
        except SaveError as e:
            self.show_message("warning", "Could not save the model", str(e))
            return False
        self.remember_file(Path(written))
        self.train_tab.remember_folder(written)
        self.train_tab.clear_banner()
        self.training.mark_saved()
        self.rename_model(meta["name"])  # no longer "(unsaved)"
        self.statusBar().showMessage(f"Saved {written}", 5000)
        return True

    export_folder: Path | None = None  # the folder last exported to, this session or the last

    def export_start(self, name: str) -> str:
        """Where an export dialog starts: `name` in the folder last exported to, else in the
        model folder (not the process's working directory)."""
        folder = self.export_folder
        if folder is None or not folder.is_dir():  # none yet, or gone since
            folder = self.train_tab.dialog_folder()
        return str(folder / name)

    def export_drawing(self, path) -> bool:
        """Write the drawing as a PNG, atomically; a failure is shown with its reason."""
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.canvas.to_image().save(buffer, "PNG"):  # never write nothing over a file
            log.warning("could not encode the drawing as PNG for %s", path)
            self.show_message("warning", "Could not export the drawing",
                              "The drawing could not be made into a PNG image; nothing was "
                              "written.")
            return False
        try:
            written = atomic_write(path, lambda f: f.write(data.data()))
        except OSError as e:  # where the person chose to write: say why, as a save does
            log.warning("could not export the drawing to %s: %s", path, e)
            self.show_message("warning", "Could not export the drawing",
                              f"Could not write {path}: {why_not_written(path, e)}.")
            return False
        self.export_folder = written.parent
        self.statusBar().showMessage(f"Exported {written}", 5000)
        return True

    def export_onnx(self, path) -> bool:
        """Write the current model as an ONNX graph, atomically; a failure is shown, not raised."""
        from cnn.onnx_export import OnnxUnavailable, export_onnx

        try:
            written = export_onnx(self.model, path, self.predictor.name)
        except OnnxUnavailable as e:
            self.show_message("warning", "ONNX export is not installed", str(e))
            return False
        except (OSError, ValueError) as e:
            log.exception("could not export %s", path)
            self.show_message("warning", "Could not export the model",
                              f"{path}: {e}\n\n{logs.hint()}")
            return False
        self.export_folder = Path(written).parent
        self.statusBar().showMessage(f"Exported {written}", 5000)
        return True

    def _on_open_action_triggered(self) -> None:
        start = str(self.train_tab.dialog_folder())
        path, _ = QFileDialog.getOpenFileName(self, "Open model", start,
                                              "LetterLens models (*.npz);;All files (*)")
        if path:
            self.open_model(path)

    def _on_save_action_triggered(self) -> None:
        # The Train tab's Save model… asks the same way: one folder, one name, both commands.
        path = self.train_tab.ask_save_path(self, "Save model as")
        if path:
            self.save_model(path if path.endswith(".npz") else path + ".npz")

    def _on_export_action_triggered(self) -> None:
        last = self.predictor.last
        letter = (last.top_letter if last is not None else None) or ""
        name = f"letter-{letter}.png" if re.fullmatch(r"\w+", letter) else "letter.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export drawing", self.export_start(name),
                                              "PNG images (*.png)")
        if path:
            self.export_drawing(path if path.lower().endswith(".png") else path + ".png")

    def _on_export_onnx_action_triggered(self) -> None:
        name = file_stem(self.predictor.name, "letterlens")
        path, _ = QFileDialog.getSaveFileName(self, "Export model as ONNX",
                                              self.export_start(f"{name}.onnx"),
                                              "ONNX models (*.onnx)")
        if path:
            self.export_onnx(path if path.lower().endswith(".onnx") else path + ".onnx")
