"""The Train tab's letter files: the list with a checkbox and a size each, Add file… (read in
the background, with progress and Cancel), Remove, and the notes about refused files. A mixin
of SetupPanel, whose Data group holds these widgets and whose `val_source` lists the files."""

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import logs
from gui.training.file_loader import FileLoader, count_letters
from gui.untrusted import cap, elide, tooltip

ERROR_STYLE = "color: #e06c6c"
log = logging.getLogger(__name__)


class SetupFiles:
    """The letter files of the run's set-up."""

    def _create_file_widgets(self) -> QHBoxLayout:
        """The list, the progress row and the message; returns the Add / Remove buttons' row."""
        self.files = QListWidget()
        self.files.setMaximumHeight(64)
        self.files.setToolTip("Imported letter sets: .npz files, or EMNIST's images files")
        self.add_button = add = QPushButton("Add file…")
        add.setToolTip("Add letter sets to train on; they are read in the background")
        add.clicked.connect(self._on_add_file_clicked)
        remove = QPushButton("Remove")
        remove.setToolTip("Take the selected files off the list (the files stay on disk)")
        remove.clicked.connect(self._on_remove_file_clicked)
        self.file_message = QLabel()
        self.file_message.setTextFormat(Qt.TextFormat.PlainText)  # quotes names and errors
        self.file_message.setWordWrap(True)
        self.file_message.setStyleSheet(ERROR_STYLE)
        self._refusals: list[str] = []  # since the latest Add file…, one line a file
        self.loader = FileLoader(self)
        self.loader.reading.connect(self._on_loader_reading)
        self.loader.waiting.connect(self._on_loader_waiting)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.refused.connect(self._on_loader_refused)
        self.loader.finished.connect(self._on_loader_finished)
        self.file_progress = QLabel()
        self.file_progress.setTextFormat(Qt.TextFormat.PlainText)
        self.file_progress.setWordWrap(True)
        busy = QProgressBar()
        busy.setRange(0, 0)  # busy: NumPy reads a file in one call, with no progress to tell
        busy.setTextVisible(False)
        busy.setMaximumSize(160, 14)
        self.cancel_files = QPushButton("Cancel")
        self.cancel_files.setToolTip("Stop reading: the files not read yet are not added")
        self.cancel_files.clicked.connect(self.loader.cancel)
        self._loading = QWidget()
        loading = QVBoxLayout(self._loading)
        loading.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(busy)
        row.addWidget(self.cancel_files)
        row.addStretch(1)
        loading.addWidget(self.file_progress)
        loading.addLayout(row)
        self._loading.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        return buttons

    def add_file(self, path: str) -> bool:
        """Add a letter file now (in this thread) with its size and a ticked checkbox; False
        (and a note) if refused. The Add file… button reads in the background instead."""
        try:
            n = count_letters(path)
        except ValueError as e:  # the readers' refusal, with a reason for the person
            log.warning("refused the letter file %s: %s", path, e)
            reason = str(e).removeprefix(f"{path}: ")
            self._refuse(f"{elide(Path(path).name)} was not added: {reason}")
            return False
        except Exception as e:  # any file: a message, never a crash
            log.exception("could not read the letter file %s", path)
            self._refuse(f"{elide(Path(path).name)} was not added: {e}")
            return False
        return self._add_item(path, n)

    def add_files(self, paths: list[str]) -> bool:
        """Read `paths` in the background, adding each that holds letters (what Add file…
        does); False when a read is still going."""
        paths = [p for p in paths if not self._listed(p)]
        self._refusals = []
        self.file_message.clear()
        return self.loader.load(paths)

    def file_paths(self) -> list[str]:
        return [self.files.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.files.count())]

    def _listed(self, path: str) -> bool:
        return str(path) in self.file_paths()

    def _add_item(self, path: str, n: int) -> bool:
        if self._listed(path):
            return False
        name = elide(Path(path).name)
        item = QListWidgetItem(f"{name} ({n:,})")
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        item.setToolTip(tooltip(path))
        self.files.addItem(item)
        self.val_source.addItem(name, str(path))
        return True

    def _refuse(self, text: str) -> None:
        """Add a line to the refusals shown, with where the details are said once, last."""
        self._refusals.append(text)
        self.file_message.setText(cap(logs.with_hint("\n".join(self._refusals))))

    def _ask_files(self) -> list[str]:
        """Modal file dialog; tests replace it."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Add letters", str(Path.home()),
            "Letter sets (*.npz *-images-idx3-ubyte *-images-idx3-ubyte.gz);;All files (*)")
        return paths

    def _on_add_file_clicked(self) -> None:
        self.add_files(self._ask_files())

    def _on_loader_reading(self, index: int, total: int, name: str) -> None:
        self.add_button.setEnabled(False)
        of = f" ({index + 1} of {total})" if total > 1 else ""
        self.file_progress.setText(f"Reading {elide(name, 40)}{of}…")
        self._loading.setVisible(True)

    def _on_loader_waiting(self) -> None:
        self.add_button.setEnabled(False)
        self.file_progress.setText("Waiting for the cancelled file to finish reading…")
        self._loading.setVisible(True)

    def _on_loader_loaded(self, path: str, n: int) -> None:
        self._add_item(path, n)

    def _on_loader_refused(self, path: str, message: str) -> None:
        self._refuse(message)

    def _on_loader_finished(self, cancelled: bool) -> None:
        self._loading.setVisible(False)
        self.add_button.setEnabled(True)
        if cancelled:
            self._refuse("Cancelled: the file being read and those after it were not added.")

    def _on_remove_file_clicked(self) -> None:
        for item in self.files.selectedItems():
            path = item.data(Qt.ItemDataRole.UserRole)
            self.files.takeItem(self.files.row(item))
            self.val_source.removeItem(self.val_source.findData(path))
