"""A NumberGrid's numbers keep clear of their cells' edges at every size they are written
(pytest-qt, headless)."""

import numpy as np
import pytest
from PySide6.QtGui import QColor

from gui.step_through import shading
from gui.step_through.number_grid import NumberGrid

GAP = 2  # pixels beside each grid line that a number's ink must leave free


def ink_near_edges(grid: NumberGrid) -> list[tuple[int, int, int]]:
    """(cell width, column, x) of every pixel within GAP of a cell's left or right line whose
    colour differs from the cell's own (the middle of its top row's inside)."""
    image = grid.grab().toImage()
    rows, cols = grid.grid_shape()
    found = []
    for c in range(cols):
        rect = grid.cell_rect(0, c).toAlignedRect()
        fill = QColor(image.pixelColor(rect.center().x(), rect.top() + 2))
        xs = [*range(rect.left() + 1, rect.left() + 1 + GAP),
              *range(rect.right() - GAP, rect.right())]
        for x in xs:
            for y in range(rect.top() + 2, rect.bottom() - 1):
                pixel = image.pixelColor(x, y)
                if max(abs(pixel.red() - fill.red()), abs(pixel.green() - fill.green()),
                       abs(pixel.blue() - fill.blue())) > 24:
                    found.append((rect.width(), c, x))
    return found


@pytest.mark.parametrize("width", range(84, 260, 5))
def test_numbers_leave_the_cell_edges_clear(qtbot, width):
    # The Input chapter's longest texts: a faint pixel written compact ('.0026') and full ink.
    grid = NumberGrid(shading.INK, decimals=2, cell_hint=26, max_font_px=16)
    qtbot.addWidget(grid)
    grid.set_values(np.array([[0.0026, 1.0, 0.43, 0.0]], np.float32))
    grid.resize(width, width // 4)
    grid.show()
    qtbot.waitExposed(grid)
    assert ink_near_edges(grid) == []
    assert grid._numbers is not None or width < 110  # written once cells are 27 px or more
