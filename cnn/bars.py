"""The I / l bar: a bare vertical stroke is an upper-case I or a lower-case l (class L), and no
picture can tell which. Find such bars, and label them in training as handwriting splits them."""

import numpy as np

from cnn.data import LETTERS

I_CLASS, L_CLASS = LETTERS.index("I"), LETTERS.index("L")
BAR_WIDTH = 7  # a bare bar's ink is at most this many of 28 columns wide: a quarter
INK = 64  # a column holds ink where some pixel reaches this (of 255)
# Of the bare bars in the four development sets (Chars74K 18 of 43, Tasnim 53 of 75, UNIPEN
# 188 of 310, measured with `python -m cnn lodo`), 259 of 428 are a lower-case l.
L_SHARE_OF_BARS = 0.6


def narrow(x: np.ndarray) -> np.ndarray:
    """(N,) bool: the ink of each (N, 28, 28) uint8 image is no wider than BAR_WIDTH columns."""
    inked = (x >= INK).any(axis=1)  # (N, 28) columns with ink
    first = inked.argmax(axis=1)
    last = inked.shape[1] - 1 - inked[:, ::-1].argmax(axis=1)
    return inked.any(axis=1) & (last - first + 1 <= BAR_WIDTH)


def bar_kinds(x: np.ndarray, y: np.ndarray, case: np.ndarray) -> np.ndarray:
    """(N,) strings for the I / l letters: 'bar' (ink no wider than a quarter of the image,
    whatever its case), 'serifed I', 'looped l'; '' for every other letter."""
    bar = narrow(x)
    kinds = np.full(len(y), "", dtype="<U9")
    is_i, is_l = (y == I_CLASS) & (case == 0), (y == L_CLASS) & (case == 1)
    kinds[(is_i | is_l) & bar] = "bar"
    kinds[is_i & ~bar] = "serifed I"
    kinds[is_l & ~bar] = "looped l"
    return kinds


def relabel_bars(letters, l_share: float, rng):
    """A copy of `letters` whose bare bars labelled I or L are labelled L with probability
    `l_share` and I otherwise, each drawn anew: trained on it, a model reads a bar as l about
    `l_share` of the time, whichever sets happen to hold more I's or l's."""
    if not 0.0 <= l_share <= 1.0:
        raise ValueError(f"the share of bars read as l must be between 0 and 1, got {l_share}")
    out = letters.subset(slice(None))
    bars = np.flatnonzero(np.isin(out.y, (I_CLASS, L_CLASS)) & narrow(out.x))
    as_l = rng.random(len(bars)) < l_share
    out.y[bars] = np.where(as_l, L_CLASS, I_CLASS)
    out.case[bars] = np.where(as_l, 1, 0)
    return out
