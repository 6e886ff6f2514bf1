"""The teach results' details alone: the chart of probabilities before and after a teach."""

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.training.teach_results import TeachResults


def drawn_labels(chart, orientation: str) -> dict[str, QRectF]:
    """Each tick label an axis of `chart` draws, and its rectangle in the chart's coordinates."""
    axis = chart.getAxis(orientation)
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return {text: chart.mapFromScene(axis.mapRectToScene(rect)).boundingRect().toRectF()
            for rect, _, text in texts}


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")  # offscreen
def test_the_charts_probability_axis_shows_its_top_label_whole(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    anchor = QWidget()
    anchor.setFixedHeight(30)
    results = TeachResults(anchor)
    layout = QVBoxLayout(host)
    layout.addStretch(1)
    layout.addWidget(results)
    layout.addWidget(anchor)
    host.resize(420, 400)  # the Draw tab's canvas column in a 1280×720 window
    host.show()
    qtbot.waitExposed(host)
    after = np.full(26, 0.01 / 25)
    after[0] = 0.99
    results.show_taught("P(A) 98% → 99% after 3 backprop steps", np.roll(after, 1), after)
    results.set_expanded(True)
    chart = results.bars
    qtbot.waitUntil(lambda: chart.isVisible() and chart.getViewBox().height() > 20)
    labels = drawn_labels(chart, "left")
    assert set(labels) == {"0", ".5", "1"}
    line = QFontMetrics(chart.font()).height()
    for text, rect in labels.items():  # a whole line of text each, none cut at the chart's edge
        top = rect.center().y() - line / 2
        assert top >= 0 and top + line <= chart.height(), (text, rect)

