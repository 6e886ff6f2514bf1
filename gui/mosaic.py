"""Many small maps drawn as one image: tiles in a grid with 1-pixel gaps, and the way back."""

import math

import numpy as np


class Mosaic:
    """Lay out `count` tiles of `tile_shape` (h, w) in `columns` columns, `gap` pixels apart.

    The mosaic is one (H, W) image, so a layer of 64 maps costs one image upload and one
    draw. `locate` maps a mosaic pixel back to (tile, row, col).
    """

    def __init__(self, count: int, tile_shape: tuple[int, int], columns: int | None = None,
                 gap: int = 1):
        if count < 1:
            raise ValueError(f"a mosaic needs at least one tile, got {count}")
        self.count = int(count)
        self.tile_shape = (int(tile_shape[0]), int(tile_shape[1]))
        self.columns = int(columns or min(count, 16))
        self.rows = math.ceil(self.count / self.columns)
        self.gap = int(gap)
        h, w = self.tile_shape
        self.shape = (self.rows * (h + gap) - gap, self.columns * (w + gap) - gap)
        # True on gaps and on the unused cells of the last row.
        filled = self.fill(np.ones((self.count, h, w), np.float32), background=0.0)
        self.gap_mask = filled == 0.0

    def fill(self, tiles: np.ndarray, background=0.0, out: np.ndarray | None = None):
        """tiles (count, h, w) -> mosaic (H, W) [or (count, h, w, k) -> (H, W, k)]."""
        h, w = self.tile_shape
        g = self.gap
        extra = tiles.shape[3:]
        cells = self.rows * self.columns
        grid = np.full((self.rows, h + g, self.columns, w + g, *extra), background,
                       dtype=tiles.dtype if out is None else out.dtype)
        padded = tiles
        if cells > self.count:
            padded = np.concatenate(
                [tiles, np.full((cells - self.count, h, w, *extra), background, tiles.dtype)])
        grid[:, :h, :, :w] = padded.reshape(self.rows, self.columns, h, w, *extra).swapaxes(1, 2)
        full = grid.reshape(self.rows * (h + g), self.columns * (w + g), *extra)
        image = full[:self.shape[0], :self.shape[1]]
        if out is None:
            return np.ascontiguousarray(image)
        out[...] = image
        return out

    def locate(self, x: float, y: float) -> tuple[int, int, int] | None:
        """Mosaic pixel coordinates (x right, y down) -> (tile, row, col), None on a gap."""
        if not (0 <= x < self.shape[1] and 0 <= y < self.shape[0]):
            return None
        h, w = self.tile_shape
        xi, yi = int(x), int(y)
        tile_col, col = divmod(xi, w + self.gap)
        tile_row, row = divmod(yi, h + self.gap)
        tile = tile_row * self.columns + tile_col
        if col >= w or row >= h or tile >= self.count:
            return None
        return tile, row, col

    def origin(self, tile: int) -> tuple[int, int]:
        """Top-left mosaic pixel (x, y) of `tile`."""
        h, w = self.tile_shape
        r, c = divmod(int(tile), self.columns)
        return c * (w + self.gap), r * (h + self.gap)

    def __repr__(self) -> str:
        return (f"Mosaic({self.count} tiles of {self.tile_shape[0]}x{self.tile_shape[1]}, "
                f"{self.rows}x{self.columns}, shape={self.shape})")
