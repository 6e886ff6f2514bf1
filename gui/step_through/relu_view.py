"""Chapter 3, ReLU: a zoomed window of a map before and after; negatives become 0."""

import numpy as np
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from cnn import explain
from gui.step_through import shading
from gui.step_through.base import ChapterView, fill_names, layer_box, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.player import Player
from gui.step_through.shading import NEGATIVE, Legend

ZOOM = 8  # the zoomed window's side
FLAT_COLUMNS = 16  # a 1-D layer is shown wrapped in rows of this many numbers


def as_map(values: np.ndarray) -> np.ndarray:
    """A 1-D layer as rows of FLAT_COLUMNS (NaN after the end); a map as it is."""
    if values.ndim == 2:
        return np.asarray(values, np.float64)
    rows = -(-values.size // FLAT_COLUMNS)
    out = np.full(rows * FLAT_COLUMNS, np.nan)
    out[:values.size] = values
    return out.reshape(rows, FLAT_COLUMNS)


def _tile(start: int, size: int) -> int:
    """Which tile along a side of `size` a window starting at `start` is on: the last tile's
    window is pulled back to fit (28 wide: 0, 8, 16, then 20), so 20 is the last tile, not
    the third again, or Play would stop moving there."""
    starts = [min(i * ZOOM, size - min(ZOOM, size)) for i in range(-(-size // ZOOM))]
    return sum(1 for s in starts if s <= start) - 1


class ReluView(ChapterView):
    key = "relu"
    needs = "relu"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_box = layer_box("Which ReLU layer")
        self.map_box = QSpinBox()
        self.map_box.setPrefix("map ")
        self.map_box.setToolTip("Which map of the layer")
        self.player = Player("zoomed window")
        controls = QHBoxLayout()
        for w in (QLabel("Layer"), self.layer_box, self.map_box):
            controls.addWidget(w)
        controls.addSpacing(12)
        controls.addWidget(self.player, 1)
        self.overview = NumberGrid(shading.SIGNED, cell_hint=8)
        self.overview.setToolTip("The whole map before ReLU; click to move the zoomed window")
        self.before = NumberGrid(shading.SIGNED, cell_hint=48, max_font_px=15)
        self.before.setToolTip("Before ReLU: negative numbers are outlined")
        self.after = NumberGrid(shading.SIGNED, cell_hint=48, max_font_px=15)
        self.after.setToolTip("After ReLU: the outlined numbers were negative and are now 0")
        self.legend = Legend(shading.SIGNED)
        self.window_line = readout(size=self.font().pointSizeF() + 3, bold=True)
        self.counts = readout(lines=2)
        self.titles = [readout(muted=True) for _ in range(3)]
        grid = QGridLayout()
        for col, (title, w, stretch) in enumerate(zip(self.titles,
                                                      (self.overview, self.before, self.after),
                                                      (2, 3, 3), strict=True)):
            grid.addWidget(title, 0, col)
            grid.addWidget(w, 1, col)
            grid.setColumnStretch(col, stretch)
        grid.setRowStretch(1, 1)
        side = QVBoxLayout()
        side.addWidget(self.window_line)
        side.addWidget(self.counts)
        side.addWidget(self.legend)
        self.body.addLayout(controls)
        self.body.addLayout(grid, 1)
        self.body.addLayout(side)
        self.top, self.left = 0, 0
        self._before: np.ndarray | None = None  # (H, W) the map ReLU received
        self.view: explain.ReluView | None = None
        self.layer_box.currentIndexChanged.connect(self._on_choice_changed)
        self.map_box.valueChanged.connect(self._on_choice_changed)
        self.overview.cell_clicked.connect(self._on_overview_cell_clicked)
        self.player.stepped.connect(self.advance)
        self.player.restarted.connect(lambda: self.move_to(0, 0))
        self.player.playing_changed.connect(self._on_player_playing_changed)

    def update_view(self) -> None:
        fill_names(self.layer_box, self.ctx.names("relu"))
        self._load()

    def _load(self) -> None:
        name = self.layer_box.currentText()
        before_all = np.asarray(self.ctx.input_of(name))
        flat = before_all.ndim == 1
        self.map_box.setVisible(not flat)
        if not flat:
            self.map_box.blockSignals(True)
            self.map_box.setMaximum(before_all.shape[0] - 1)
            self.map_box.blockSignals(False)
        chosen = before_all if flat else before_all[self.map_box.value()]
        self._before = as_map(chosen)
        self.view = explain.relu_view(chosen)
        layer_view = explain.relu_view(before_all)
        span = shading.span_of(self._before)
        self.overview.set_values(self._before, span=span, hidden=np.isnan(self._before))
        self.legend.set_span(span)
        what = (f"{name}, {before_all.size} units" if flat
                else f"{name} map {self.map_box.value()}")
        self.titles[0].setText(f"{what}: before ReLU")
        n, z = self.view.size, self.view.zeroed_count
        text = (f"{'This layer' if flat else 'This map'}: {z} of {n} numbers were negative "
                f"and became 0 ({z / n:.0%}).")
        if not flat:
            lz, ln = layer_view.zeroed_count, layer_view.size
            text += f" The whole layer {name}: {lz:,} of {ln:,} ({lz / ln:.0%})."
        self.counts.setText(text)
        self.move_to(self.top, self.left)

    def move_to(self, top: int, left: int) -> None:
        """Put the zoomed window's top-left corner at (top, left) of the map."""
        if self._before is None:
            return
        h, w = self._before.shape
        zh, zw = min(ZOOM, h), min(ZOOM, w)
        self.top, self.left = int(np.clip(top, 0, h - zh)), int(np.clip(left, 0, w - zw))
        window = self._before[self.top:self.top + zh, self.left:self.left + zw]
        span = self.overview.span
        negative = np.nan_to_num(window, nan=0.0) < 0
        outlines = [Mark(r, c, color=tuple(NEGATIVE.astype(int)), width=3)
                    for r, c in zip(*np.nonzero(negative), strict=True)]
        hidden = np.isnan(window)
        self.before.set_values(window, span=span, hidden=hidden)
        self.before.set_marks(outlines)
        self.after.set_values(np.where(negative, 0.0, window), span=span, hidden=hidden)
        self.after.set_marks(outlines)
        self.overview.set_marks([Mark(self.top, self.left, zh, zw)])
        rows = f"rows {self.top}–{self.top + zh - 1}, columns {self.left}–{self.left + zw - 1}"
        self.titles[1].setText(f"zoomed: {rows}")
        self.titles[2].setText("after ReLU: max(number, 0)")
        self.window_line.setText(f"In the zoomed window, {int(negative.sum())} of "
                                 f"{int((~hidden).sum())} numbers were negative → 0")

    def _place(self) -> int:
        """The zoomed window's place in the row-by-row tiling of the map."""
        h, w = self._before.shape
        return _tile(self.top, h) * -(-w // ZOOM) + _tile(self.left, w)

    def _places(self) -> int:
        h, w = self._before.shape
        return -(-w // ZOOM) * -(-h // ZOOM)

    def advance(self, n: int) -> None:
        """Move the zoomed window n places on, tiling the map row by row."""
        if self._before is None:
            return
        cols = -(-self._before.shape[1] // ZOOM)
        places = self._places()
        at = int(np.clip(self._place() + n, 0, places - 1))
        r, c = divmod(at, cols)
        self.move_to(r * ZOOM, c * ZOOM)
        if n > 0 and at == places - 1:
            self.player.pause()

    def open_at(self, layer: str | None = None, channel: int | None = None,
                row: int | None = None, col: int | None = None, **_) -> None:
        if not self.has_layers():
            return
        fill_names(self.layer_box, self.ctx.names("relu"))
        if layer:
            self.layer_box.setCurrentText(layer)
        flat = len(self.ctx.model.output_shapes()[self.layer_box.currentText()]) == 1
        if flat and channel is not None:
            row, col = divmod(channel, FLAT_COLUMNS)
        elif channel is not None:
            self.map_box.setValue(channel)
        if row is not None and col is not None:
            self.top, self.left = row - ZOOM // 2, col - ZOOM // 2
        self.refresh()

    def _on_choice_changed(self, *_) -> None:
        if self.has_layers():
            self._load()

    def _on_overview_cell_clicked(self, row: int, col: int) -> None:
        self.move_to(row - ZOOM // 2, col - ZOOM // 2)

    def _on_player_playing_changed(self, playing: bool) -> None:
        """Play on the last place starts over, as on the other chapters (not a Play that
        stops the moment it starts)."""
        if playing and self._before is not None and self._place() == self._places() - 1:
            self.move_to(0, 0)
