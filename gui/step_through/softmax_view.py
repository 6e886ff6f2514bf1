"""Chapter 7, Softmax: the 26 scores → e^score → ÷ total → probabilities, as a table and bars;
the raw scores beside them, because softmax always shares out all 100 %."""

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from cnn import explain
from cnn.data import LETTERS
from gui.step_through import shading
from gui.step_through.bars import LetterBars
from gui.step_through.base import ChapterView, caption, readout

COLUMNS = ["letter", "score", "e^score", "÷ total =", "probability"]


PROB_DIGITS = 4  # significant digits of a probability: 0.0002161 and 0.9734 alike


def _exp_text(value: float, digits: int = 4) -> str:
    text = f"{value:,.{digits}g}" if 1e-3 <= value < 1e6 else f"{value:.{digits - 1}e}"
    return text.replace("-", "−")


def _exp_value(text: str) -> float:
    return shading.value_of(text.replace(",", ""))


def _exp_digits(exps: np.ndarray, total: float, probs: np.ndarray, most: int = 12) -> int:
    """The fewest significant digits of e^score and its total (4 or more) for which each row's
    shown division gives its shown probability: a learner can redo every row."""
    shown = [shading.significant(float(p), PROB_DIGITS) for p in probs]
    for digits in range(4, most + 1):
        t = _exp_value(_exp_text(total, digits))
        if all(shading.significant(_exp_value(_exp_text(float(e), digits)) / t, PROB_DIGITS)
               == text for e, text in zip(exps, shown, strict=True)):
            return digits
    return most


def score_text(score: float) -> str:
    """A score to 3 decimals whatever its size (the grids' `shading.number` keeps one for
    -13.045, which left e^score impossible to follow); a true minus sign."""
    return f"{score:.3f}".replace("-", "−")


class SoftmaxView(ChapterView):
    key = "softmax"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.sort_box = QCheckBox("Most likely first")
        self.sort_box.setToolTip("Order the table by probability instead of A to Z")
        self.table = QTableWidget(len(LETTERS), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setToolTip("Each letter's score, e to that power, divided by the total of "
                              "all 26: its probability. Scores show 3 decimals; e^score is of "
                              "the exact score, so e to the shown one can differ in the 4th "
                              "digit.")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._row_font = QFont(self.table.font())
        self.table.viewport().installEventFilter(self)
        self.total_line = readout(lines=2, size=self.font().pointSizeF() + 2, bold=True)
        self.share_line = readout(lines=3)
        # Two charts one above the other: at 150 pixels each the smallest window (1024×600)
        # had no room left for the note under them, which was drawn over their letters.
        self.scores = LetterBars("raw scores (what the last layer gives)", signed=True,
                                 height=120)
        self.probs = LetterBars("probabilities after softmax (add up to 1)", height=120)
        self.probs.setYRange(0, 1)
        left = QVBoxLayout()
        left.addWidget(self.sort_box)
        left.addWidget(self.table, 1)
        left.addWidget(self.total_line)
        right = QVBoxLayout()
        right.addWidget(self.share_line)
        right.addWidget(self.scores, 1)
        right.addWidget(self.probs, 1)
        right.addWidget(caption("The highest score gets the largest share, and a lead of a "
                                "few points takes nearly everything: e^score grows fast.",
                                muted=True))
        row = QHBoxLayout()
        row.addLayout(left, 2)
        row.addLayout(right, 3)
        self.body.addLayout(row, 1)
        self.softmax: explain.SoftmaxTable | None = None
        self.sort_box.toggled.connect(lambda _: self.refresh())

    def update_view(self) -> None:
        model = self.ctx.model
        scores = self.ctx.activations[model.layers[-1][0]]
        t = self.softmax = explain.softmax_table(scores)
        probs = t.probs
        order = np.argsort(-probs, kind="stable") if self.sort_box.isChecked() \
            else np.arange(len(probs))
        head = f"e^(score {shading.added(-t.shift, 2)})" if t.shift else "e^score"
        self.table.setHorizontalHeaderItem(2, QTableWidgetItem(head))
        top = int(np.argmax(probs))
        digits = _exp_digits(t.exps, t.total, probs)
        for r, i in enumerate(order):
            p = shading.significant(float(probs[i]), PROB_DIGITS)
            cells = [(LETTERS[i], None), (score_text(float(t.scores[i])), t.scores[i]),
                     (_exp_text(float(t.exps[i]), digits), t.exps[i]),
                     (f"÷ {_exp_text(t.total, digits)} =", None),
                     (f"{p}  ({probs[i]:.1%})", probs[i])]
            for c, (text, value) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if value is not None:
                    item.setData(Qt.ItemDataRole.UserRole, float(value))
                if i == top:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self._fit_width()
        self.total_line.setText(
            f"total of e^score: {_exp_text(t.total, digits)}; the probabilities add up to "
            f"{probs.sum():.4f}")
        second = int(np.argsort(-probs)[1])
        lead = float(t.scores[top] - t.scores[second])
        self.share_line.setText(
            f"The {len(probs)} probabilities always add up to 100 %, whatever was drawn: "
            f"<b>even a smiley gets a most likely letter</b>. Here {LETTERS[top]} scores "
            f"{shading.number(float(t.scores[top]), 2)}, {shading.number(lead, 2)} ahead of "
            f"{LETTERS[second]}, and takes {probs[top]:.1%} of the 100 %.")
        self.scores.set_values(t.scores, highlight=top)
        self.probs.set_values(probs, highlight=top)
        self.probs.setYRange(0, 1, padding=0.02)

    def _fit_width(self) -> None:
        """As wide as every column's contents: the table's share of the row (2 of 5) cut the
        probability column to '0.00004746 …' in a 1280×720 window; the charts beside it give
        up the room."""
        table = self.table
        columns = sum(max(table.sizeHintForColumn(c), table.horizontalHeader().sectionSizeHint(c))
                      for c in range(table.columnCount()))
        table.setMinimumWidth(columns + table.verticalScrollBar().sizeHint().width()
                              + 2 * table.frameWidth())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_rows()
        return super().eventFilter(watched, event)

    def _fit_rows(self) -> None:
        """All 26 rows in view when there is room, in as large a font as the rows allow."""
        base = self.fontMetrics().height() + 6
        row = max(base, (self.table.viewport().height() - 2) // len(LETTERS))
        self.table.verticalHeader().setDefaultSectionSize(row)
        size = min(self.font().pointSizeF() + 5, max(self.font().pointSizeF() + 1, row * 0.42))
        if self._row_font.pointSizeF() != size:
            self._row_font.setPointSizeF(size)
            self.table.setFont(self._row_font)

    def table_probs(self) -> np.ndarray:
        """(26,) the probabilities in the table, A to Z, as the numbers behind the text."""
        out = np.zeros(len(LETTERS))
        for r in range(self.table.rowCount()):
            letter = self.table.item(r, 0).text()
            out[LETTERS.index(letter)] = self.table.item(r, 4).data(Qt.ItemDataRole.UserRole)
        return out
