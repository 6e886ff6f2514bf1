"""What every chapter view shares: the drawing and model it explains, its heading and
explanation, when it recomputes, and small building blocks (captions, read-outs)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from cnn import explain
from cnn.data import LETTERS
from cnn.model import Sequential
from gui.colormaps import MUTED
from gui.layer_guide import explain_step
from gui.predictor import Prediction
from gui.step_through.chapters import TITLES, TOPICS
from gui.step_through.player import Player
from gui.step_through.readout import Readout


@dataclass(frozen=True)
class Context:
    """The drawing and the model a chapter explains: the Draw tab's own prediction."""

    model: Sequential
    meta: dict
    prediction: Prediction | None
    drawing: Callable[[], np.ndarray] | None = field(default=None, compare=False)

    @property
    def ready(self) -> bool:
        """A letter is drawn (a blank canvas has no layer outputs to explain)."""
        return self.prediction is not None and not self.prediction.blank

    @property
    def image(self) -> np.ndarray:
        return self.prediction.pre.image

    @property
    def activations(self) -> dict[str, np.ndarray]:
        return self.prediction.activations

    def input_of(self, name: str) -> np.ndarray:
        """What layer `name` read for this drawing."""
        return explain.layer_input(self.model, self.image, self.activations, name)

    def names(self, kind: str) -> list[str]:
        return explain.layers_of_kind(self.model, kind)


def caption(text: str = "", muted: bool = False, size: float | None = None,
            bold: bool = False) -> QLabel:
    """A wrapped label for a sentence or two."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    if muted:
        label.setStyleSheet(f"color: rgb{MUTED};")
    if size or bold:
        font = QFont(label.font())
        if size:
            font.setPointSizeF(size)
        font.setBold(bold)
        label.setFont(font)
    return label


def readout(lines: int = 1, size: float | None = None, bold: bool = False,
            muted: bool = False) -> Readout:
    """Text that changes every frame: painted in a fixed height, so a new number never lays
    the tab out again."""
    return Readout(lines, size, bold, muted)


def layer_box(tip: str) -> QComboBox:
    box = QComboBox()
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def fill_names(box: QComboBox, names: list[str]) -> None:
    """Put layer names in a box, keeping the choice when it is still there."""
    if [box.itemText(i) for i in range(box.count())] == names:
        return
    current = box.currentText()
    box.blockSignals(True)
    box.clear()
    box.addItems(names)
    if current in names:
        box.setCurrentText(current)
    box.blockSignals(False)


def letter_box(tip: str) -> QComboBox:
    box = QComboBox()
    for i, letter in enumerate(LETTERS):
        box.addItem(letter, i)
    box.setToolTip(tip)
    return box


class ChapterView(QWidget):
    """One chapter: heading, explanation, then `body` (a layout the subclass fills).

    `set_context` only remembers the drawing and model; the view recomputes (`refresh`) when
    it is on screen, so a hidden chapter costs nothing while someone draws.
    """

    key = ""
    needs: str | None = None  # the layer kind this chapter explains, if it needs one

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"step_{self.key}")
        self.ctx: Context | None = None
        self.stale = True
        self.refreshes = 0  # how many times this view recomputed (tests: only the visible one)
        self.player: Player | None = None
        title = caption(TITLES[self.key], size=self.font().pointSizeF() + 5, bold=True)
        self.intro = caption(explain_step(TOPICS[self.key]))
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.content = QWidget()
        self.body = QVBoxLayout(self.content)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(6)
        self.notice = caption(size=self.font().pointSizeF() + 2)
        self.notice.setVisible(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 4)
        outer.setSpacing(4)
        outer.addWidget(title)
        outer.addWidget(self.intro)
        outer.addWidget(self.notice)
        outer.addWidget(self.content, 1)

    def pause(self) -> None:
        """Stop this chapter's animations, in sight or not."""
        if self.player is not None:
            self.player.pause()

    def set_context(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stale = True

    def refresh(self) -> None:
        """Recompute every number from the current drawing and model."""
        self.stale = False
        if self.ctx is None or not self.ctx.ready:
            return
        missing = self.needs is not None and not self.ctx.names(self.needs)
        self.notice.setVisible(missing)
        self.content.setVisible(not missing)
        if missing:
            kind = {"conv2d": "convolution", "relu": "ReLU", "maxpool2d": "pooling"}
            self.notice.setText(f"This network has no {kind.get(self.needs, self.needs)} "
                                "layer: nothing to show here. (The Train tab builds networks "
                                "with other shapes.)")
            return
        self.refreshes += 1
        self.update_view()

    def has_layers(self) -> bool:
        """The current model has what this chapter explains."""
        return (self.ctx is not None and self.ctx.ready
                and (self.needs is None or bool(self.ctx.names(self.needs))))

    def refresh_if_stale(self) -> None:
        if self.stale:
            self.refresh()

    def update_view(self) -> None:
        raise NotImplementedError

    def open_at(self, **position) -> None:
        """Show a given place (a layer, a map, a pixel): 'Step through this' from the docks."""
