"""My samples as a Qt list model: one row per sample, its thumbnail made only when a view
first shows it, and a proxy that shows one letter's samples, by letter or newest first."""

from datetime import datetime

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QIcon

from cnn.data import LETTERS, N_CLASSES
from cnn.samples import SampleSummary
from gui.training.gallery import pixmap

ID_ROLE = Qt.ItemDataRole.UserRole
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1
CREATED_ROLE = Qt.ItemDataRole.UserRole + 2
CASES = {0: "upper case", 1: "lower case"}


def caption(s: SampleSummary) -> str:
    """'A' or 'a' as the person labelled it; the class ('Aa') when the case is not known."""
    letter = LETTERS[s.label]
    return {0: letter, 1: letter.lower()}.get(s.case, letter + letter.lower())


def tooltip(s: SampleSummary) -> str:
    when = datetime.fromtimestamp(s.created).strftime("%d %b %Y, %H:%M")
    case = CASES.get(s.case, "case not recorded")
    strokes = f"{s.strokes} stroke{'s' if s.strokes != 1 else ''}" if s.strokes else "no strokes"
    return f"{LETTERS[s.label]} ({case}) · drawn {when} · {strokes}\n{s.id}.npz"


class SampleListModel(QAbstractListModel):
    """set_samples(summaries) fills it; rows keep the store's order (oldest first)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[SampleSummary] = []
        self._icons: dict[str, QIcon] = {}  # by id: made when first shown

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(s)
        if role == Qt.ItemDataRole.DecorationRole:
            icon = self._icons.get(s.id)
            if icon is None:
                icon = self._icons[s.id] = QIcon(pixmap(s.image))
            return icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(s)
        if role == ID_ROLE:
            return s.id
        if role == LABEL_ROLE:
            return s.label
        if role == CREATED_ROLE:
            return s.created
        return None

    def thumbnails_made(self) -> int:
        """How many thumbnails exist: only those a view has shown."""
        return len(self._icons)

    def label(self, row: int) -> int:
        return self._rows[row].label

    def ids(self) -> list[str]:
        return [s.id for s in self._rows]

    def counts(self) -> np.ndarray:
        """(26,) samples per letter A..Z."""
        return np.bincount([s.label for s in self._rows], minlength=N_CLASSES)

    def set_samples(self, samples: list[SampleSummary]) -> None:
        """Show these samples. When they are the ones shown less some, only those rows go, so
        the view keeps its place and the rest of the selection."""
        keep = {s.id for s in samples}
        kept = [(s.id, s.label) for s in self._rows if s.id in keep]
        if kept == [(s.id, s.label) for s in samples]:
            self._remove_rows([i for i, s in enumerate(self._rows) if s.id not in keep])
            return
        self.beginResetModel()
        self._rows = list(samples)
        self._icons = {k: v for k, v in self._icons.items() if k in keep}
        self.endResetModel()

    def _remove_rows(self, rows: list[int]) -> None:
        """Remove these rows (ascending), a run of neighbours at a time, from the end."""
        while rows:
            last = first = rows.pop()
            while rows and rows[-1] == first - 1:
                first = rows.pop()
            self.beginRemoveRows(QModelIndex(), first, last)
            for s in self._rows[first:last + 1]:
                self._icons.pop(s.id, None)
            del self._rows[first:last + 1]
            self.endRemoveRows()


class LetterFilter(QSortFilterProxyModel):
    """Shows one letter's samples (or all, letter None), by letter or newest first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._letter: int | None = None
        self._newest_first = False
        self.sort(0)

    def set_letter(self, letter: int | None) -> None:
        if not hasattr(self, "beginFilterChange"):  # Qt before 6.10
            self._letter = letter
            self.invalidateFilter()
            return
        self.beginFilterChange()
        self._letter = letter
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_newest_first(self, newest_first: bool) -> None:
        self._newest_first = newest_first
        self.invalidate()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802 (Qt's)
        if self._letter is None:
            return True
        return self.sourceModel().label(row) == self._letter

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802 (Qt's)
        if self._newest_first:  # rows are oldest first: the later row is the newer
            return left.row() > right.row()
        model = self.sourceModel()
        a, b = model.label(left.row()), model.label(right.row())
        return a < b if a != b else left.row() < right.row()
