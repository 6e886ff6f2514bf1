"""How numbers are coloured on the Step through tab, and the legend that says so.

Two scales: *ink* for the input (0 empty, dark; 1 full ink, white) and *signed* for everything
a layer computes: blue below zero, red above, dark grey at zero, so a 0 (what ReLU leaves)
reads as nothing and the sign reads at a glance on the dark theme.
"""

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.colormaps import FOREGROUND, MUTED

INK, SIGNED = "ink", "signed"
ZERO = np.array([52, 54, 62], np.float32)
POSITIVE = np.array([226, 88, 58], np.float32)
NEGATIVE = np.array([64, 128, 232], np.float32)
INK_EMPTY = np.array([22, 23, 27], np.float32)
INK_FULL = np.array([250, 250, 250], np.float32)
EMPTY = (38, 40, 46)  # a cell not computed yet
PADDING = (30, 31, 36)  # the zeros padding adds


def span_of(values: np.ndarray) -> float:
    """The largest magnitude among finite values (1 when there is none)."""
    finite = np.abs(values[np.isfinite(values)]) if values.size else np.zeros(0)
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def colours(values: np.ndarray, scale: str, span: float) -> np.ndarray:
    """values (H, W) -> RGB (H, W, 3) uint8 on `scale`; `span` is the value at full colour."""
    v = np.nan_to_num(np.asarray(values, np.float32), nan=0.0)
    if scale == INK:
        t = np.clip(v / span, 0.0, 1.0)[..., None]
        rgb = INK_EMPTY + (INK_FULL - INK_EMPTY) * t
    else:
        # A square root lifts small values off the zero grey, so they still show their sign.
        t = np.sqrt(np.clip(np.abs(v) / span, 0.0, 1.0))[..., None]
        ends = np.where((v < 0)[..., None], NEGATIVE, POSITIVE)
        rgb = ZERO + (ends - ZERO) * t
    return rgb.astype(np.uint8)


def text_colours(values: np.ndarray, scale: str, span: float) -> np.ndarray:
    """(H, W) bool: True where the number is written in dark ink (on a light cell)."""
    if scale == INK:
        return np.nan_to_num(values, nan=0.0) / span > 0.55
    return np.zeros(np.shape(values), bool)


def number(value: float, decimals: int = 2, compact: bool = False) -> str:
    """A number as the tab writes it: 0 as '0', a true minus sign, fewer decimals when large;
    `compact` drops the zeros that say nothing ('.48', '1', '.5') to fit small squares."""
    if not np.isfinite(value):
        return ""
    if value == 0:
        return "0"
    size = abs(value)
    places = 0 if size >= 100 else 1 if size >= 10 else decimals
    text = f"{value:.{places}f}"
    if float(text) == 0:  # rounds to zero: two more decimals, else powers of ten
        text = f"{value:.{places + 2}f}"
        if float(text) == 0:
            text = f"{value:.1e}"
    if compact and "e" in text:
        text = "−0" if value < 0 else "0"
    elif compact:  # '1' for 1.00, '.5' for 0.50, '.0018' for 0.0018
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if size < 1:
            text = text.replace("0.", ".", 1)
    return text.replace("-", "−")


def significant(value: float, digits: int) -> str:
    """`value` to `digits` significant digits, in plain decimals down to 1e-5 (0.000216,
    0.9734), in powers of ten below that; a true minus sign."""
    if not np.isfinite(value):
        return ""
    if value == 0:
        return "0"
    if abs(value) < 1e-5:
        return f"{value:.{digits - 1}e}".replace("-", "−")
    places = max(0, digits - 1 - int(np.floor(np.log10(abs(value)))))
    return f"{value:.{places}f}".replace("-", "−")


def whole(value: int) -> str:
    """A whole number (a row, a column, a count) with a true minus: rows −1 and −2 are on the
    padding."""
    return str(int(value)).replace("-", "−")


def added(value: float, decimals: int = 2) -> str:
    """A term added to a sum, its sign as the operator: '+ 0.028' or '− 0.028' (never
    '+ −0.028')."""
    text = number(abs(value), decimals)
    return f"− {text}" if value < 0 and text != "0" else f"+ {text}"


def value_of(text: str) -> float:
    """The number a text of this module shows (what a learner redoing the sum types in)."""
    return float(text.replace("−", "-"))


def holding(value: float, holds: Callable[[str], bool], fewest: int = 3,
            most: int = 12) -> str:
    """`value` with the fewest significant digits (from `fewest`) for which `holds(text)`: a
    number that feeds a shown formula, written so the formula checks out as shown."""
    for digits in range(fewest, most + 1):
        text = significant(value, digits)
        if holds(text):
            return text
    return significant(value, most)


def longest_numbers(values: np.ndarray) -> list[float]:
    """The values whose texts are the longest: the extremes, and the nearest to zero of each
    sign (they need every decimal, or more)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return [0.0]
    positive, negative = finite[finite > 0], finite[finite < 0]
    samples = [float(finite.min()), float(finite.max()), 0.088]
    samples += [float(positive.min())] if positive.size else []
    samples += [float(negative.max()), -0.088] if negative.size else []
    return samples


class Legend(QWidget):
    """A small colour bar: what the colours of the grids beside it mean."""

    def __init__(self, scale: str = SIGNED, numbers: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.scale, self.span, self.numbers = scale, 1.0, numbers
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setToolTip("Colours: blue numbers are below zero, red above, grey is 0; the "
                        "stronger the colour, the larger the number" if scale == SIGNED else
                        "Colours: black is 0 (no ink), white is 1 (full ink)")

    def set_span(self, span: float) -> None:
        self.span = float(span)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(260, 34)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
        p.setFont(font)
        bar = QRectF(6, 2, max(40.0, self.width() - 12.0), 12)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        samples = np.linspace(-1, 1, 21) if self.scale == SIGNED else np.linspace(0, 1, 11)
        rgb = colours(samples[None] * self.span, self.scale, self.span)[0]
        for t, c in zip(np.linspace(0, 1, len(samples)), rgb, strict=True):
            gradient.setColorAt(float(t), QColor(*map(int, c)))
        p.fillRect(bar, gradient)
        p.setPen(QColor(*FOREGROUND))
        y = QRectF(bar.left(), bar.bottom() + 1, bar.width(), 16)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
        centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        if self.scale == SIGNED:
            low, high = (f"{number(-self.span)}  ", f"  {number(self.span)}") if self.numbers \
                else ("", "")
            p.drawText(y, left, f"{low}negative")
            p.drawText(y, right, f"positive{high}")
            p.setPen(QColor(*MUTED))
            p.drawText(y, centre, "0")
        else:
            p.drawText(y, left, "0  no ink")
            p.drawText(y, right, "full ink  1")
