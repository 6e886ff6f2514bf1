"""The My samples window: every sample the person added, as thumbnails by letter, to look
through, delete (after asking) or give another letter. Changes go through the SampleStore."""

import logging

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnn.data import LETTERS
from cnn.samples import SampleStore
from gui import logs
from gui.training.gallery import TILE
from gui.training.sample_edits import Outcome, delete_samples, relabel_samples, samples
from gui.training.sample_list import ID_ROLE, LABEL_ROLE, LetterFilter, SampleListModel
from gui.training.setup_files import ERROR_STYLE
from gui.untrusted import cap, elide

log = logging.getLogger(__name__)


class MySamplesDialog(QDialog):
    """A window of its own (Delete here never clears the canvas); `changed` after deleting or
    relabelling, `reload()` when samples came from elsewhere."""

    changed = Signal()

    def __init__(self, store: SampleStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mySamples")
        self.setWindowTitle("My samples")
        self.store = store
        self.confirmation: QMessageBox | None = None  # the open "Delete …?" question
        self.confirm_button = None  # its Delete button
        self.model = SampleListModel(self)
        self.proxy = LetterFilter(self)
        self.proxy.setSourceModel(self.model)
        self._create_widgets()
        self._connect_signals()
        self.resize(860, 560)
        self.reload()

    # --- building ------------------------------------------------------------------------------

    def _create_widgets(self) -> None:
        self.letters = QListWidget()
        self.letters.setToolTip("Show one letter's samples, or all of them; the number is how "
                                "many you have")
        self.letters.addItems(["All letters"] + list(LETTERS))
        self.letters.setCurrentRow(0)
        self.letters.setFixedWidth(120)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # names a folder
        self.summary.setWordWrap(True)
        self.order = QComboBox()
        self.order.addItems(["By letter", "Newest first"])
        self.order.setToolTip("Group the samples by letter (oldest first in each), or show the "
                              "latest you added first")
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)  # thousands of samples lay out at once
        self.view.setIconSize(QSize(TILE, TILE))
        self.view.setGridSize(QSize(TILE + 16, TILE + 24))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setToolTip("Click a sample to select it; Shift or Ctrl+click for more, "
                             "Ctrl+A for all shown; Delete removes them (after asking)")
        self.problems = QLabel()
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(ERROR_STYLE)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.selected = QLabel()
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Remove the selected samples from your samples folder "
                                      "(Delete); asks first")
        self.new_letter = QComboBox()
        self.new_letter.addItems(list(LETTERS))
        self.new_letter.setToolTip("The letter the selected samples really are")
        self.relabel_button = QPushButton("Change letter to")
        self.relabel_button.setToolTip("Give the selected samples the letter beside: a "
                                       "mislabelled sample teaches the network the wrong letter")
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setToolTip("Show the samples folder in your file manager")
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.delete_action = QAction("Delete", self.view)
        self.delete_action.setShortcuts([QKeySequence(Qt.Key.Key_Delete),
                                         QKeySequence(Qt.Key.Key_Backspace)])
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.delete_action)
        for button in (self.delete_button, self.relabel_button, self.folder_button):
            button.setAutoDefault(False)  # Enter never deletes or relabels

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.order)
        right = QVBoxLayout()
        right.addLayout(top)
        right.addWidget(self.view, 1)
        right.addWidget(self.problems)
        right.addWidget(self.message)
        middle = QHBoxLayout()
        middle.addWidget(self.letters)
        middle.addLayout(right, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.selected, 1)
        bottom.addWidget(self.delete_button)
        bottom.addWidget(self.relabel_button)
        bottom.addWidget(self.new_letter)
        bottom.addWidget(self.folder_button)
        bottom.addWidget(self.close_button)
        v = QVBoxLayout(self)
        v.addLayout(middle, 1)
        v.addLayout(bottom)

    def _connect_signals(self) -> None:
        self.letters.currentRowChanged.connect(self._on_letters_current_row_changed)
        self.order.currentIndexChanged.connect(
            lambda i: self.proxy.set_newest_first(i == 1))
        self.view.selectionModel().selectionChanged.connect(self._update_selection)
        self.proxy.rowsRemoved.connect(self._update_selection)
        self.proxy.modelReset.connect(self._update_selection)
        self.delete_button.clicked.connect(self.ask_delete)
        self.delete_action.triggered.connect(self.ask_delete)
        self.relabel_button.clicked.connect(self._on_relabel_clicked)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.close_button.clicked.connect(self.close)

    # --- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the folder again: samples added, removed or damaged since are shown as they are."""
        try:
            summaries = self.store.summaries()
        except OSError as e:  # the folder itself cannot be read: keep what is shown
            log.exception("could not read the samples in %s", self.store.folder)
            self._say(f"Could not read your samples folder {self.store.folder}: "
                      f"{e.strerror or e}.", error=True)
            return
        self.model.set_samples(summaries)
        self._update_counts()
        self._update_problems()

    def _selected_rows(self) -> list:
        return sorted(self.view.selectionModel().selectedIndexes(), key=lambda i: i.row())

    def selected_ids(self) -> list[str]:
        """The selected samples' ids, in the order shown."""
        return [i.data(ID_ROLE) for i in self._selected_rows()]

    def select_ids(self, ids) -> None:
        """Select the shown samples among `ids` (and only those)."""
        wanted, selection = set(ids), self.view.selectionModel()
        selection.clearSelection()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(ID_ROLE) in wanted:
                selection.select(index, QItemSelectionModel.SelectionFlag.Select)

    # --- deleting ------------------------------------------------------------------------------

    def ask_delete(self) -> None:
        """Ask before deleting the selected samples; the answer comes to _on_confirmation_finished
        (the question is window-modal, not a nested event loop)."""
        rows = self._selected_rows()
        if not rows or self.confirmation is not None:
            return
        ids = [i.data(ID_ROLE) for i in rows]
        labels = [i.data(LABEL_ROLE) for i in rows]
        letters = ", ".join(f"{labels.count(k)} {LETTERS[k]}" for k in sorted(set(labels)))
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete samples?",
                          f"Delete {samples(len(ids))} ({letters})?", parent=self)
        box.setInformativeText("They are removed from your samples folder for good, and no "
                               "fine-tune learns from them again.")
        if len(ids) == 1:
            box.setIconPixmap(rows[0].data(Qt.ItemDataRole.DecorationRole).pixmap(TILE))
        self.confirm_button = box.addButton(f"Delete {samples(len(ids))}",
                                            QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter and Esc keep the samples
        box.setEscapeButton(cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _: self._on_confirmation_finished(box, ids))
        self.confirmation = box
        box.open()

    def delete(self, ids: list[str]) -> int:
        """Delete these samples (no question: ask_delete asks); returns how many went."""
        outcome = delete_samples(self.store, ids)
        self._said(outcome)
        return outcome.changed

    def relabel(self, ids: list[str], label: int) -> list[str]:
        """Give these samples letter `label` (0..25), keeping their case; returns their ids
        now. Those still shown (all letters, or the new letter's) stay selected, to see where
        they went."""
        outcome = relabel_samples(self.store, ids, label)
        self._said(outcome)
        self.select_ids(outcome.ids)
        return outcome.ids

    # --- slots and helpers ---------------------------------------------------------------------

    def _on_confirmation_finished(self, box: QMessageBox, ids: list[str]) -> None:
        self.confirmation = None
        box.deleteLater()
        if box.clickedButton() is self.confirm_button:
            self.delete(ids)

    def _on_relabel_clicked(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.relabel(ids, self.new_letter.currentIndex())

    def _on_folder_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.store.folder)))

    def _on_letters_current_row_changed(self, row: int) -> None:
        self.proxy.set_letter(row - 1 if row > 0 else None)
        if row > 0:
            self.new_letter.setCurrentIndex(row - 1)

    def _update_counts(self) -> None:
        counts = self.model.counts()
        total = int(counts.sum())
        self.letters.item(0).setText(f"All letters ({total:,})")
        for k, n in enumerate(counts):
            item = self.letters.item(k + 1)
            item.setText(f"{LETTERS[k]}  ({int(n):,})")
            item.setForeground(self.palette().text() if n else self.palette().placeholderText())
        where = elide(str(self.store.folder), 120)
        if total:
            self.summary.setText(f"{samples(total)} in {where}")
        else:
            self.summary.setText(f"No samples yet (folder {where}). Draw a letter on the Draw "
                                 "tab and press Add to my samples.")
        self.folder_button.setEnabled(self.store.folder.is_dir())

    def _update_problems(self) -> None:
        skipped = self.store.problems
        n = len(skipped)
        names = ", ".join(elide(name, 40) for name, _ in skipped[:3]) + (", …" if n > 3 else "")
        self.problems.setText(f"{n} damaged sample file{'s' if n != 1 else ''} could not be "
                              f"read and {'is' if n == 1 else 'are'} not shown: {names}. "
                              "Open folder to move or remove them." if n else "")
        self.problems.setToolTip(cap("\n".join(f"{elide(name, 60)}: {elide(why, 200)}"
                                               for name, why in skipped[:20]), 3000))
        self.problems.setVisible(bool(n))

    def _update_selection(self, *_) -> None:
        n = len(self.view.selectionModel().selectedIndexes())
        shown = self.proxy.rowCount()
        self.selected.setText(f"{n:,} of {shown:,} selected" if n else f"{samples(shown)} shown")
        for w in (self.delete_button, self.relabel_button, self.delete_action):
            w.setEnabled(bool(n))

    def _said(self, outcome: Outcome) -> None:
        """After a change: say how it went, show the folder as it now is, tell the window."""
        self._say(outcome.message, outcome.error)
        self.reload()
        if outcome.changed:
            self.changed.emit()

    def _say(self, text: str, error: bool = False) -> None:
        text = logs.with_hint(text) if error else text
        self.message.setText(cap(text, 600))
        self.message.setStyleSheet(ERROR_STYLE if error else "")

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Enter in the window must not press a button: a dialog's default would be Delete…
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)
