"""Chapter 5, Flatten: the maps unrolled into one long list, and the way back."""

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from cnn import explain
from gui.mosaic import Mosaic
from gui.step_through import shading
from gui.step_through.base import ChapterView, caption, readout
from gui.step_through.number_grid import Mark, NumberGrid
from gui.step_through.player import Player
from gui.step_through.shading import Legend

MAP_COLUMNS = 8


class FlattenView(ChapterView):
    key = "flatten"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.player = Player("pointer")
        self.player.step_button.setToolTip("The next unit of the list (Right)")
        self.length_line = readout(lines=2, size=self.font().pointSizeF() + 4, bold=True)
        self.unit_line = readout(lines=2, size=self.font().pointSizeF() + 2)
        self.maps = NumberGrid(shading.SIGNED, cell_hint=9, max_font_px=11)
        self.maps.setToolTip("The maps the layer receives; point at one of their pixels")
        self.vector = NumberGrid(shading.SIGNED, cell_hint=9, max_font_px=11)
        self.vector.setToolTip("The flat list, one map per line, each read row after row")
        self.maps_title, self.vector_title = caption(muted=True), caption(muted=True)
        self.legend = Legend(shading.SIGNED)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.maps_title)
        left.addWidget(self.maps, 1)
        right.addWidget(self.vector_title)
        right.addWidget(self.vector, 1)
        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        self.body.addWidget(self.player)
        self.body.addWidget(self.length_line)
        self.body.addWidget(self.unit_line)
        self.body.addLayout(row, 1)
        self.body.addWidget(self.legend)
        self.unit: int | None = None
        self.shape: tuple[int, int, int] | None = None
        self._mosaic: Mosaic | None = None
        self._before: np.ndarray | None = None
        self.maps.cell_hovered.connect(self._on_maps_cell_hovered)
        self.vector.cell_hovered.connect(self._on_vector_cell_hovered)
        self.maps.cell_clicked.connect(lambda r, c: self._on_maps_cell_hovered((r, c)))
        self.vector.cell_clicked.connect(lambda r, c: self._on_vector_cell_hovered((r, c)))
        self.player.stepped.connect(lambda n: self.select((self.unit or 0) + n))
        self.player.restarted.connect(lambda: self.select(0))
        self.player.playing_changed.connect(self._on_player_playing_changed)

    def update_view(self) -> None:
        names = self.ctx.names("flatten")
        if not names:
            self.length_line.setText("This model has no flatten layer.")
            return
        name = names[0]
        self._before = np.asarray(self.ctx.input_of(name))
        if self._before.ndim != 3:
            self.length_line.setText(f"{name} receives a flat list already.")
            return
        self.shape = c, h, w = self._before.shape
        self._mosaic = Mosaic(c, (h, w), min(c, MAP_COLUMNS))
        mosaic = self._mosaic.fill(self._before.astype(np.float64), background=np.nan)
        span = shading.span_of(self._before)
        self.maps.set_values(mosaic, span=span, hidden=self._mosaic.gap_mask)
        flat = np.asarray(self.ctx.activations[name], np.float64)
        self.vector.set_values(flat.reshape(c, h * w), span=span)
        self.legend.set_span(span)
        maps, lines = ("1 map", "1 line") if c == 1 else (f"{c} maps", f"{c} lines")
        numbers = "1 number" if h * w == 1 else f"{h * w} numbers"
        self.maps_title.setText(f"{maps} of {h}×{w}, as {name} receives them")
        self.vector_title.setText(f"the list: {lines} (one per map) of {numbers}")
        self.length_line.setText(f"length of the list = {explain.flatten_formula(self.shape)}"
                                 " numbers; nothing is computed, only the shape changes")
        if self.unit is None:  # first shown: point at the strongest number, not a 0
            self.unit = int(np.argmax(flat))
        self.select(min(self.unit, flat.size - 1))

    def select(self, unit: int) -> None:
        """Point at unit `unit` of the list, and at the map pixel it came from."""
        if self.shape is None:
            return
        c, h, w = self.shape
        self.unit = int(np.clip(unit, 0, c * h * w - 1))
        ch, r, col = explain.map_position(self.shape, self.unit)
        ox, oy = self._mosaic.origin(ch)
        self.maps.set_marks([Mark(oy, ox, h, w, width=1.5), Mark(oy + r, ox + col)])
        self.vector.set_marks([Mark(ch, 0, 1, h * w, width=1.5),
                               Mark(*divmod(self.unit, h * w))])
        value = float(self._before[ch, r, col])
        self.unit_line.setText(
            f"number {self.unit:,} of the list = map {ch}, row {r}, column {col}: "
            f"{ch} × {h * w} + {r} × {w} + {col} = {self.unit:,}.  Value "
            f"{shading.number(value, 3)} in both places.")
        if self.unit == c * h * w - 1:
            self.player.pause()

    def open_at(self, channel: int | None = None, **_) -> None:
        self.refresh()
        if channel is not None:
            self.select(channel)

    def _on_maps_cell_hovered(self, cell) -> None:
        if cell is None or self._mosaic is None:
            return
        hit = self._mosaic.locate(cell[1], cell[0])
        if hit is not None:
            self.select(explain.flat_index(self.shape, *hit))

    def _on_vector_cell_hovered(self, cell) -> None:
        if cell is None or self.shape is None:
            return
        _, h, w = self.shape
        self.select(cell[0] * h * w + cell[1])

    def _on_player_playing_changed(self, playing: bool) -> None:
        """Play on the list's last number starts over, as on the other chapters."""
        if playing and self.shape is not None and self.unit == int(np.prod(self.shape)) - 1:
            self.select(0)
