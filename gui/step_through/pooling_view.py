"""Chapter 4, Max pooling: the window slides over a map; its largest number wins and fills in
the smaller map."""

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from cnn import explain
from gui.colormaps import ACCENT
from gui.step_through import shading
from gui.step_through.base import ChapterView, caption, fill_names, layer_box, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.player import Player
from gui.step_through.shading import Legend


class PoolingView(ChapterView):
    key = "pooling"
    needs = "maxpool2d"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_box = layer_box("Which pooling layer")
        self.map_box = QSpinBox()
        self.map_box.setPrefix("map ")
        self.map_box.setToolTip("Which map to pool")
        self.player = Player("window")
        controls = QHBoxLayout()
        for w in (QLabel("Layer"), self.layer_box, self.map_box):
            controls.addWidget(w)
        controls.addSpacing(12)
        controls.addWidget(self.player, 1)
        self.input_grid = NumberGrid(shading.SIGNED, cell_hint=20, max_font_px=12)
        self.input_grid.setToolTip("The map the layer pools; the window and its winner")
        self.window_grid = NumberGrid(shading.SIGNED, cell_hint=60, max_font_px=18)
        self.window_grid.setToolTip("The numbers under the window; the largest is outlined")
        self.output_grid = NumberGrid(shading.SIGNED, cell_hint=24, max_font_px=13)
        self.output_grid.setToolTip("The pooled map, filled in window by window; click a pixel "
                                    "to jump to its window")
        self.input_title, self.output_title = caption(muted=True), caption(muted=True)
        self.winner_line = readout(lines=2, size=self.font().pointSizeF() + 3, bold=True)
        self.where_line = readout(lines=4)  # the middle column is narrow at 1024×600
        self.legend = Legend(shading.SIGNED)
        left, middle, right = QVBoxLayout(), QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.input_title)
        left.addWidget(self.input_grid, 1)
        middle.addWidget(caption("the window", muted=True))
        middle.addWidget(self.window_grid, 2)
        middle.addWidget(self.winner_line)
        middle.addWidget(self.where_line)
        middle.addStretch(1)
        right.addWidget(self.output_title)
        right.addWidget(self.output_grid, 1)
        right.addWidget(self.legend)
        row = QHBoxLayout()
        row.addLayout(left, 5)
        row.addLayout(middle, 3)
        row.addLayout(right, 4)
        self.body.addLayout(controls)
        self.body.addLayout(row, 1)
        self.index = 0
        self._x: np.ndarray | None = None  # (C, H, W) what the layer pooled
        self._out: np.ndarray | None = None  # (Ho, Wo) the pooled map
        self.stop: explain.PoolStop | None = None
        self.layer_box.currentIndexChanged.connect(self._on_choice_changed)
        self.map_box.valueChanged.connect(self._on_choice_changed)
        self.player.stepped.connect(self.advance)
        self.player.restarted.connect(lambda: self.go_to(0, reveal_all=True))
        self.player.playing_changed.connect(self._on_player_playing_changed)
        self.output_grid.cell_clicked.connect(self._on_output_cell_clicked)

    @property
    def layer(self):
        return self.ctx.model.layer(self.layer_box.currentText())

    def stops(self) -> int:
        return self._out.size

    def update_view(self) -> None:
        fill_names(self.layer_box, self.ctx.names("maxpool2d"))
        self._load()

    def _load(self) -> None:
        name = self.layer_box.currentText()
        layer = self.layer
        self._x = np.asarray(self.ctx.input_of(name))
        self.map_box.blockSignals(True)
        self.map_box.setMaximum(self._x.shape[0] - 1)
        self.map_box.blockSignals(False)
        channel = self.map_box.value()
        self._out = np.asarray(self.ctx.activations[name][channel], np.float64)
        span = shading.span_of(self._x[channel])
        self.input_grid.set_values(self._x[channel], span=span)
        self.legend.set_span(span)
        _, h, w = self._x.shape
        ho, wo = self._out.shape
        k, s = layer.kernel_size, layer.stride
        self.input_title.setText(f"{name}'s input, map {channel}: {h}×{w}; {k}×{k} window, "
                                 f"stride {s}")
        self.output_title.setText(f"{name} map {channel}: {ho}×{wo}")
        self.go_to(min(self.index, self.stops() - 1), reveal_all=True)

    def go_to(self, index: int, reveal_all: bool = False) -> None:
        if self._out is None or not self.has_layers():
            return
        old = self.index
        self.index = int(np.clip(index, 0, self.stops() - 1))
        span = self.input_grid.span  # the pooled map in the colours of the map it came from
        self.output_grid.grow(self._out, self.index, None if reveal_all else old, span)
        row, col = divmod(self.index, self._out.shape[1])
        stop = self.stop = explain.pool_stop(self.layer, self._x, self.map_box.value(), row,
                                             col)
        k = self.layer.kernel_size
        wr, wc = stop.winner
        self.input_grid.set_marks([Mark(stop.top, stop.left, k, k),
                                   Mark(stop.top + wr, stop.left + wc, color=ACCENT, width=1.5,
                                        fill=110)])
        self.window_grid.set_values(stop.window, span=span)
        self.window_grid.set_marks([Mark(wr, wc, width=4, fill=60)])
        self.output_grid.set_marks([Mark(row, col)])
        self.winner_line.setText(f"largest of {stop.window.size}: "
                                 f"{shading.number(stop.value, 3)}")
        self.where_line.setText(
            f"Window rows {shading.whole(stop.top)}–{shading.whole(stop.top + k - 1)}, columns "
            f"{shading.whole(stop.left)}–{shading.whole(stop.left + k - 1)}; the winner at row "
            f"{shading.whole(stop.top + wr)}, column {shading.whole(stop.left + wc)} "
            f"→ output row {row}, column {col}.")

    def advance(self, n: int) -> None:
        if self._out is None or not self.has_layers():
            return
        self.go_to(self.index + n)
        if n > 0 and self.index == self.stops() - 1:
            self.player.pause()

    def open_at(self, layer: str | None = None, channel: int | None = None,
                row: int | None = None, col: int | None = None, **_) -> None:
        if not self.has_layers():
            return
        fill_names(self.layer_box, self.ctx.names("maxpool2d"))
        if layer:
            self.layer_box.setCurrentText(layer)
        if channel is not None:
            self.map_box.setValue(channel)
        self.refresh()
        if row is not None and col is not None:
            self.go_to(row * self._out.shape[1] + col, reveal_all=True)

    def _on_choice_changed(self, *_) -> None:
        if self.has_layers():
            self._load()

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        self.player.pause()
        self.go_to(row * self._out.shape[1] + col, reveal_all=True)

    def _on_player_playing_changed(self, playing: bool) -> None:
        if playing and self._out is not None and self.index == self.stops() - 1:
            self.go_to(0, reveal_all=True)
