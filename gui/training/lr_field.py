"""The learning-rate field: typed as text, checked as it is typed, with the reason beneath it
while it is not a rate a run can start with."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from cnn.runs.config import parse_lr

ERROR_COLOUR = "#e06c6c"


class LearningRateField(QWidget):
    """`edit` holds the text; `problem()` says what is wrong with it ("" when nothing is)."""

    problem_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setToolTip("Learning rate, e.g. 0.001 or 1e-3")
        self.error = QLabel()  # says what is wrong with the rate as it is typed
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.setVisible(False)
        self._problem = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textChanged.connect(self._on_edit_text_changed)

    def problem(self) -> str:
        return self._problem

    def value(self) -> float:
        """The rate; ValueError with a reason a person can act on."""
        return parse_lr(self.edit.text())

    def _on_edit_text_changed(self, text: str) -> None:
        try:
            parse_lr(text)
            problem = ""
        except ValueError as e:
            problem = str(e)
        self.error.setText(problem[:1].upper() + problem[1:] + "." if problem else "")
        self.error.setVisible(bool(problem))
        self.edit.setStyleSheet(f"QLineEdit {{ border: 1px solid {ERROR_COLOUR}; }}"
                                if problem else "")
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)
