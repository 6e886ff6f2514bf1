"""From a position on the feature-map mosaics to the unit under it, and back to its outline.

A MapRow holds one layer's mosaic and the rectangle it is drawn in (view pixels); these
functions map between those pixels and (layer, map, row, col).
"""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF

from gui.panels.map_row import MapRow


@dataclass(frozen=True)
class MapPoint:
    """One unit of one layer: map `channel` at (row, col); for 1-D layers channel is the unit."""

    layer: str
    channel: int
    row: int
    col: int
    value: float


def point_at(rows: list[MapRow], x: float, y: float) -> MapPoint | None:
    """The unit under view position (x, y) in pixels, or None."""
    for row in rows:
        r = row.rect
        if not (r.left() <= x < r.right() and r.top() <= y < r.bottom()):
            continue
        n_rows, n_cols = row.mosaic.shape
        hit = row.mosaic.locate((x - r.left()) * n_cols / r.width(),
                                (y - r.top()) * n_rows / r.height())
        if hit is None:
            return None
        tile, i, j = hit
        if row.flat:
            unit = i * row.mosaic.tile_shape[1] + j
            if unit >= row.shape[0]:
                return None
            value = np.nan if row.values is None else float(row.values[unit])
            return MapPoint(row.name, unit, 0, 0, value)
        value = np.nan if row.values is None else float(row.values[tile, i, j])
        return MapPoint(row.name, tile, i, j, value)
    return None


def layer_at(rows: list[MapRow], y: float, spacing: float) -> str:
    """The layer whose row (with half the spacing either side) holds view height y, or ""."""
    for row in rows:
        if row.rect.top() - spacing / 2 <= y < row.rect.bottom() + spacing / 2:
            return row.name
    return ""


def unit_rect(row: MapRow, point: MapPoint, whole_map: bool = False) -> QRectF:
    """The outline of a unit (or of its whole map) on its layer's mosaic, in view pixels."""
    n_rows, n_cols = row.mosaic.shape
    sx, sy = row.rect.width() / n_cols, row.rect.height() / n_rows
    if row.flat:
        width = row.mosaic.tile_shape[1]
        r, c, h, w = *divmod(point.channel, width), 1, 1
        if whole_map:
            r, c, (h, w) = 0, 0, row.mosaic.tile_shape
    else:
        ox, oy = row.mosaic.origin(point.channel)
        if whole_map:
            r, c, (h, w) = oy, ox, row.mosaic.tile_shape
        else:
            r, c, h, w = oy + point.row, ox + point.col, 1, 1
    return QRectF(row.rect.left() + c * sx, row.rect.top() + r * sy, w * sx, h * sy)
