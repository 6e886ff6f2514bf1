"""Layer guide panel: the explanation for whatever the pointer is on, or any chosen topic."""

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QTextBrowser, QVBoxLayout, QWidget

from cnn.model import Sequential
from gui.eliding_combo import ElidingComboBox
from gui.layer_guide import TOPICS, explain, init_std_of


class GuidePanel(QWidget):
    """`show_topic(topic, layer)` follows the pointer; the combo box picks a topic by hand, and
    a pick holds until the person picks another or ticks "Follow" again."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("guide_panel")
        self._topic_box = ElidingComboBox()  # cut short with "…" in a narrow dock
        for key, title in TOPICS.items():
            self._topic_box.addItem(title, key)
        # Narrower than its longest title if the dock is: the check box beside it must not
        # widen the window's least width.
        self._topic_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._topic_box.setMinimumContentsLength(4)
        self._topic_box.setToolTip("Pick a topic to read; it stays until you pick another")
        self.follow_box = QCheckBox("Follow")
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip("Explain whatever panel or layer the pointer is on. Picking "
                                   "a topic above turns this off, so the pick stays")
        self._text = QTextBrowser()
        self._text.setOpenLinks(False)
        row = QHBoxLayout()
        row.addWidget(self._topic_box, 1)
        row.addWidget(self.follow_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(row)
        layout.addWidget(self._text, 1)
        self._model: Sequential | None = None
        self._init_std: float | None = None  # the spread its training drew weights with
        self.topic, self.layer = "input", None
        # activated, not currentIndexChanged: only a person's pick pins the topic.
        self._topic_box.activated.connect(self._on_topic_box_activated)
        self._render()

    def set_model(self, model: Sequential, meta: dict | None = None) -> None:
        """The model whose numbers the guide gives; `meta` its checkpoint metadata (how its
        weights were drawn)."""
        self._model, self._init_std = model, init_std_of(meta)
        if self.layer and self.layer not in dict(model.layers):
            self.layer = None
        self._render()

    def following(self) -> bool:
        return self.follow_box.isChecked()

    def show_topic(self, topic: str, layer: str | None = None) -> None:
        """The pointer's topic; ignored while a topic picked by hand holds."""
        if not self.following() or (topic, layer) == (self.topic, self.layer):
            return
        self.topic, self.layer = topic, layer
        self._topic_box.setCurrentIndex(self._topic_box.findData(topic))
        self._render()

    def text(self) -> str:
        return self._text.toPlainText()

    def _render(self) -> None:
        self._text.setHtml(explain(self.topic, self._model, self.layer, self._init_std))

    def _on_topic_box_activated(self, _index: int) -> None:
        # The pointer leaving the popup lands on some panel (often the canvas); its Enter must
        # not replace what the person just chose.
        self.follow_box.setChecked(False)
        self.topic, self.layer = self._topic_box.currentData(), None
        self._render()
