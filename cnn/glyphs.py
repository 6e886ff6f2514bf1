"""The letters the synthetic hand starts from: Hershey stroke-font glyphs and hand forms.

A Glyph is a letter's strokes, centred with its longer side 1, and the strokes it reads well
without. Upper and lower case share a class, 0..25 = A..Z, as in EMNIST Letters.
"""

import functools
import string
from typing import NamedTuple

import numpy as np

from cnn import hand_forms

N_CLASSES = 26

# (Hershey font, weight for upper case, weight for lower case, drawn with single lines).
# Fonts that repeat another's glyphs (rowmans, rowmand, timesrb, cursive) are left out, and so
# is blackletter (gothiceng, gothicger, gothicita and their copies): at 28 pixels its letters
# turn into blobs, and its e reads as a p. Ornate script capitals (a Q like a 2) and bold
# triplex faces are kept rare. The fonts that are not single-line draw thick parts with
# doubled or tripled lines: their strokes are never moved one by one, which would pull the
# lines apart, and their pen stays wide enough to close the gaps.
FONTS = (
    ("futural", 3.0, 3.0, True),  # simplex sans: print handwriting
    ("futuram", 1.0, 1.0, False),  # duplex sans
    ("timesr", 1.0, 1.0, False),
    ("rowmant", 0.25, 0.25, False),  # triplex roman
    ("timesi", 1.5, 1.5, False),
    ("timesib", 0.25, 0.25, False),
    ("scripts", 0.4, 2.0, True),  # simplex script: joined-up handwriting
    ("scriptc", 0.2, 1.0, False),
    # Handwritten forms the fonts lack (cnn.hand_forms), one variant per entry; letters
    # without such forms come from futural.
    ("hand0", 0.35, 0.35, True),
    ("hand1", 0.35, 0.35, True),
    ("hand2", 0.35, 0.35, True),
)

SHORT = 0.15  # a stroke shorter than this may be left out (cnn.hand.DROP) ...
TOUCH = 0.02  # ... if it comes this close to another stroke


class Glyph(NamedTuple):
    strokes: tuple[np.ndarray, ...]  # (n, 2) float64 x, y (down), centred, longer side 1
    droppable: tuple[int, ...]  # strokes the letter reads without: serifs, doubled lines


@functools.cache
def glyphs(font: int) -> tuple[Glyph | None, ...]:
    """The letters of FONTS[font]: 52 entries, case * 26 + class; None for a case not used."""
    from HersheyFonts import HersheyFonts

    name, *weights, _ = FONTS[font]
    if name.startswith("hand"):
        return _hand_glyphs(int(name[4:]))
    f = HersheyFonts()
    f.load_default_font(name)
    out = []
    for case, letters in enumerate((string.ascii_uppercase, string.ascii_lowercase)):
        for ch in letters:
            if not weights[case]:
                out.append(None)
                continue
            out.append(make_glyph([s for s in f.strokes_for_text(ch) if len(s)]))
    return tuple(out)


def _hand_glyphs(variant: int) -> tuple[Glyph, ...]:
    """futural's letters, with form number `variant` of hand_forms.FORMS where one is given."""
    out = list(glyphs(0))
    for case, letters in enumerate((string.ascii_uppercase, string.ascii_lowercase)):
        for k, ch in enumerate(letters):
            forms = hand_forms.FORMS.get(ch)
            if forms:
                out[case * N_CLASSES + k] = make_glyph(forms[variant % len(forms)])
    return tuple(out)


def make_glyph(strokes) -> Glyph:
    """A Glyph of strokes in any box: centred, longer side 1."""
    strokes = [np.asarray(s, np.float64) for s in strokes]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(0), pts.max(0)
    strokes = tuple((s - (lo + hi) / 2) / (hi - lo).max() for s in strokes)
    return Glyph(strokes, _droppable(strokes))


def _droppable(strokes) -> tuple[int, ...]:
    """Strokes shorter than SHORT that touch another stroke: a serif, one of doubled lines.
    A detached stroke (an i's dot) or a long one (a crossbar) carries the letter's identity."""
    dense = [resample(s, np.array([len(s)]), 0.01)[0] for s in strokes]
    out = []
    for k, s in enumerate(strokes):
        ink = np.linalg.norm(np.diff(s, axis=0), axis=1).sum()
        if len(strokes) < 2 or ink >= SHORT:
            continue
        others = np.concatenate(dense[:k] + dense[k + 1 :])
        gap = np.sqrt(((dense[k][:, None] - others[None]) ** 2).sum(-1)).min()
        if gap < TOUCH:
            out.append(k)
    return tuple(out)


def resample(pts, lengths, spacing: float):
    """Points every `spacing` along each stroke's path, ends kept; returns (pts, lengths)."""
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    last = np.cumsum(lengths) - 1
    seg[last[:-1]] = 1.0  # a gap between strokes that no sample falls into
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    first = last - lengths + 1
    span = arc[last] - arc[first]
    counts = np.where(span > 1e-9, np.ceil(span / spacing).astype(np.intp) + 1, 1)
    owner = np.repeat(np.arange(len(lengths)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = arc[first][owner] + k * (span / np.maximum(counts - 1, 1))[owner]
    out = np.stack([np.interp(t, arc, pts[:, 0]), np.interp(t, arc, pts[:, 1])], axis=1)
    return out, counts
