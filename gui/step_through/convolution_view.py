"""Chapter 2, Convolution: a filter's window slides over the layer's input, stop by stop, and
the feature map grows; beside it, the stride and padding playground."""

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn import explain
from gui.step_through import shading
from gui.step_through.arithmetic import StopArithmetic
from gui.step_through.base import ChapterView, fill_names, layer_box, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.player import Player
from gui.step_through.playground import Playground
from gui.step_through.shading import Legend


class ConvolutionView(ChapterView):
    key = "convolution"
    needs = "conv2d"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layer_box = layer_box("Which convolution layer to step through")
        self.filter_box = QSpinBox()
        self.filter_box.setPrefix("filter ")
        self.filter_box.setToolTip("Which filter (which feature map) to step through")
        self.channel_box = QSpinBox()
        self.channel_box.setPrefix("input map ")
        self.channel_box.setToolTip("A deeper layer's filter has one k×k slice per input map: "
                                    "which slice to show")
        self.by_channel = QCheckBox("Step map by map")
        self.by_channel.setToolTip("Step and Play go through the input maps one at a time "
                                   "(the running sum grows), then on to the next stop")
        self.player = Player("window")
        controls = QHBoxLayout()
        for w in (QLabel("Layer"), self.layer_box, self.filter_box, self.channel_box,
                  self.by_channel):
            controls.addWidget(w)
        controls.addSpacing(12)
        controls.addWidget(self.player, 1)

        self.input_grid = NumberGrid(shading.INK, cell_hint=20, max_font_px=12)
        self.input_grid.setToolTip("The layer's input, with the padding's zeros round the "
                                   "edge; click a pixel to centre the window on it")
        self.arithmetic = StopArithmetic()
        self.output_grid = NumberGrid(shading.SIGNED, cell_hint=20, max_font_px=12)
        self.output_grid.setToolTip("The feature map, filled in stop by stop; click a pixel "
                                    "to jump to its stop")
        self.input_title = readout(lines=2, muted=True)
        self.output_title = readout(muted=True)
        self.output_legend = Legend(shading.SIGNED)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.input_title)
        left.addWidget(self.input_grid, 1)
        right.addWidget(self.output_title)
        right.addWidget(self.output_grid, 1)
        right.addWidget(self.output_legend)
        slide = QWidget()
        row = QHBoxLayout()
        row.addLayout(left, 3)
        row.addWidget(self.arithmetic, 4)
        row.addLayout(right, 3)
        page = QVBoxLayout(slide)
        page.setContentsMargins(0, 4, 0, 0)
        page.addLayout(controls)
        page.addLayout(row, 1)
        self.playground = Playground()
        self.pages = QTabWidget()
        self.pages.addTab(slide, "Slide the filter")
        self.pages.addTab(self.playground, "Stride and padding playground")
        self.pages.setTabToolTip(1, "Change the stride and padding on your letter or a 7×7 "
                                 "toy and watch the output size follow the formula")
        self.body.addWidget(self.pages, 1)
        self.pages.currentChanged.connect(self._on_page_changed)

        self.index = 0  # the stop, in reading order over the output map
        self.channel = 0
        self._x: np.ndarray | None = None  # the layer's input (C, H, W)
        self._map: np.ndarray | None = None  # the layer's output for the filter (Ho, Wo)
        self.stop: explain.ConvStop | None = None
        self.layer_box.currentIndexChanged.connect(self._on_layer_changed)
        self.filter_box.valueChanged.connect(self._on_filter_changed)
        self.channel_box.valueChanged.connect(self._on_channel_box_changed)
        self.arithmetic.channel_clicked.connect(self.channel_box.setValue)
        self.player.stepped.connect(self.advance)
        self.player.restarted.connect(lambda: self.go_to(0, channel=0))
        self.player.playing_changed.connect(self._on_player_playing_changed)
        self.output_grid.cell_clicked.connect(self._on_output_cell_clicked)
        self.input_grid.cell_clicked.connect(self._on_input_cell_clicked)

    # --- state ----------------------------------------------------------------------------------

    @property
    def layer(self):
        return self.ctx.model.layer(self.layer_box.currentText())

    @property
    def map_shape(self) -> tuple[int, int]:
        return self._map.shape

    def stops(self) -> int:
        h, w = self._map.shape
        return h * w

    def position(self) -> tuple[int, int]:
        """The output pixel (row, col) of the current stop."""
        return divmod(self.index, self._map.shape[1])

    # --- updates --------------------------------------------------------------------------------

    def update_view(self) -> None:
        fill_names(self.layer_box, self.ctx.names("conv2d"))
        self._load_layer()
        self.playground.set_letter(self.ctx.image)
        self._update_playground_kernel()

    def _load_layer(self) -> None:
        """Read the chosen layer's input and output again (after any change of context)."""
        name = self.layer_box.currentText()
        layer = self.layer
        acts = self.ctx.activations
        self._x = np.asarray(self.ctx.input_of(name))
        self.filter_box.blockSignals(True)
        self.filter_box.setMaximum(layer.out_channels - 1)
        self.filter_box.blockSignals(False)
        self.channel_box.blockSignals(True)
        self.channel_box.setMaximum(layer.in_channels - 1)
        self.channel_box.blockSignals(False)
        deep = layer.in_channels > 1
        self.channel_box.setVisible(deep)
        self.by_channel.setVisible(deep)
        self.channel = min(self.channel, layer.in_channels - 1)
        self._map = np.asarray(acts[name][self.filter_box.value()], np.float64)
        first = name == self.ctx.model.layers[0][0]
        self.input_grid.scale = shading.INK if first else shading.SIGNED
        self.arithmetic.set_layer(layer.in_channels, first)
        c, h, w = self._x.shape
        k, s, p = layer.kernel_size, layer.stride, layer.padding
        self.input_title.setText(f"{name}'s input" + (f", map {self.channel}" if deep else "")
                                 + f": {h}×{w}, padding {p}, stride {s}, {k}×{k} window")
        ho, wo = self._map.shape
        self.output_title.setText(f"{name} map {self.filter_box.value()}: {ho}×{wo}, "
                                  f"{ho * wo} stop{'s' if ho * wo > 1 else ''}")
        self._show_input()
        self.output_legend.set_span(shading.span_of(self._map))
        self.go_to(min(self.index, self.stops() - 1), reveal_all=True)

    def _show_input(self) -> None:
        span = 1.0 if self.input_grid.scale == shading.INK else None
        self.input_grid.set_values(self._x[self.channel], padding=self.layer.padding, span=span)

    def go_to(self, index: int, channel: int | None = None, reveal_all: bool = False) -> None:
        """Move the window to stop `index` (reading order); the map shows stops 0..index."""
        if self._map is None or not self.has_layers():
            return
        old = self.index
        self.index = int(np.clip(index, 0, self.stops() - 1))
        if channel is not None and channel != self.channel:
            self.channel_box.setValue(channel)  # redraws the input and calls back here
        self.output_grid.grow(self._map, self.index, None if reveal_all else old)
        row, col = self.position()
        layer = self.layer
        self.stop = explain.conv_stop(layer, self._x, self.filter_box.value(), row, col)
        k = layer.kernel_size
        self.input_grid.set_marks([Mark(self.stop.top, self.stop.left, k, k)])
        self.output_grid.set_marks([Mark(row, col)])
        self.arithmetic.show_stop(self.stop, self.channel, self.layer_box.currentText())

    def advance(self, n: int) -> None:
        """Move n stops on (or back); map by map when that is ticked."""
        if self._map is None or not self.has_layers():
            return
        if self._map_by_map():
            c = self.layer.in_channels
            flat = self.index * c + self.channel + n
            flat = int(np.clip(flat, 0, self.stops() * c - 1))
            index, channel = divmod(flat, c)
            self.go_to(index, channel=channel)
        else:
            self.go_to(self.index + n)
        if self._at_end() and n > 0:
            self.player.pause()

    def _map_by_map(self) -> bool:
        return self.by_channel.isChecked() and self.by_channel.isVisible()

    def _at_end(self) -> bool:
        """On the last stop (map by map: on its last input map)."""
        last = self.index == self.stops() - 1
        return last and (not self._map_by_map() or self.channel == self.layer.in_channels - 1)

    def open_at(self, layer: str | None = None, filter: int | None = None,
                row: int | None = None, col: int | None = None,
                channel: int | None = None, **_) -> None:
        """Show `layer`'s `filter` at output pixel (row, col), input map `channel`."""
        if not self.has_layers():
            return
        fill_names(self.layer_box, self.ctx.names("conv2d"))
        if layer:
            self.layer_box.setCurrentText(layer)
        if filter is not None:
            self.filter_box.setValue(filter)
        if channel is not None:
            self.channel_box.setValue(channel)
        self.pages.setCurrentIndex(0)
        self.refresh()
        if row is not None and col is not None:
            self.go_to(row * self._map.shape[1] + col, reveal_all=True)

    def _update_playground_kernel(self) -> None:
        """The playground slides the first layer's filters (one input map: one k×k kernel)."""
        first = self.ctx.names("conv2d")[0]
        conv = self.ctx.model.layer(first)
        self.playground.set_kernels(conv.params["weight"][:, 0], conv.params["bias"], first)

    # --- slots ----------------------------------------------------------------------------------

    def _on_layer_changed(self, _index: int) -> None:
        if self.has_layers():
            self.index, self.channel = 0, 0
            self.channel_box.blockSignals(True)
            self.channel_box.setValue(0)
            self.channel_box.blockSignals(False)
            self._load_layer()

    def _on_filter_changed(self, _value: int) -> None:
        if self.has_layers():
            self._load_layer()

    def _on_channel_box_changed(self, value: int) -> None:
        self.channel = value
        if self._x is not None and self.has_layers():
            self._load_layer()

    def _on_output_cell_clicked(self, row: int, col: int) -> None:
        self.player.pause()
        self.go_to(row * self._map.shape[1] + col, reveal_all=True)

    def _on_input_cell_clicked(self, row: int, col: int) -> None:
        """Centre the window on an input pixel, as near as the stride allows."""
        layer = self.layer
        k, s, p = layer.kernel_size, layer.stride, layer.padding
        ho, wo = self._map.shape
        r = int(np.clip(round((row + p - (k - 1) / 2) / s), 0, ho - 1))
        c = int(np.clip(round((col + p - (k - 1) / 2) / s), 0, wo - 1))
        self.player.pause()
        self.go_to(r * wo + c, reveal_all=True)

    def pause(self) -> None:
        """Both pages' players: the filter's and the playground's."""
        self.player.pause()
        self.playground.player.pause()

    def _on_page_changed(self, _index: int) -> None:
        self.pause()  # the page out of sight stops; the one in sight waits for Play

    def _on_player_playing_changed(self, playing: bool) -> None:
        if playing and self._map is not None and self._at_end():
            self.go_to(0, channel=0 if self._map_by_map() else None, reveal_all=True)
