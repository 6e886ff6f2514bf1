"""The chapters, in the article's order, and the list that picks one."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

# key (as on the command line), title, layer guide topic, what the list's tooltip says
CHAPTERS = [
    ("input", "Input", "input", "The drawing as the 28×28 grid of numbers the network reads"),
    ("convolution", "Convolution", "conv2d",
     "A filter slides over the input: patch × kernel, summed, plus bias, at every stop"),
    ("relu", "ReLU", "relu", "Negative numbers become 0"),
    ("pooling", "Max pooling", "maxpool2d", "Each small window keeps only its largest number"),
    ("flatten", "Flatten", "flatten", "The maps laid end to end as one long list"),
    ("fully-connected", "Fully connected", "linear",
     "Every input times its weight, summed, plus bias: one score per letter at the end"),
    ("softmax", "Softmax", "softmax", "Scores → e^score → ÷ total = probabilities that add to 1"),
    ("loss", "Cross-entropy loss", "cross_entropy", "How wrong the guess is: −ln p(true letter)"),
    ("backpropagation", "Backpropagation", "backprop",
     "One gradient step on this drawing, on a copy of the network"),
    ("initialisation", "Initialisation", "init",
     "The Gaussian the weights started from, and the network with fresh random weights"),
]
KEYS = [key for key, *_ in CHAPTERS]
TITLES = {key: title for key, title, *_ in CHAPTERS}
TOPICS = {key: topic for key, _, topic, _ in CHAPTERS}


class ChapterList(QListWidget):
    """The ten chapters, numbered; emits `chapter_chosen(key)`."""

    chapter_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("stepChapters")
        for i, (key, title, _, tip) in enumerate(CHAPTERS, start=1):
            item = QListWidgetItem(f"{i:>2}  {title}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{tip} (Page Up / Page Down: previous / next chapter)")
            self.addItem(item)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() + 1.5)
        self.setFont(font)
        self.setSpacing(3)
        self.setMaximumWidth(220)
        self.setMinimumWidth(150)
        self.currentRowChanged.connect(self._on_current_row_changed)

    def key(self) -> str:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else KEYS[0]

    def select(self, key: str) -> None:
        self.setCurrentRow(KEYS.index(key))

    def _on_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(KEYS):
            self.chapter_chosen.emit(KEYS[row])
