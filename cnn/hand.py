"""The synthetic hand: how a hand bends a Glyph's strokes, and the pen that draws them.

`draw` now and then gives a batch of Glyphs a stray mark and drops, cuts or overshoots a stroke;
it resamples, wobbles, warps and slants them, and draws them with a varying pen by the
preprocessing that draws a person's strokes (`preprocess.preprocess_packed`, the batched
`preprocess_strokes`). `distort` gives the bent strokes of one glyph.
"""

import numpy as np

from cnn import preprocess
from cnn.glyphs import Glyph, resample

# How far the hand strays, as fractions of the glyph's longer side unless an angle or a factor.
ROTATION = np.deg2rad(7.0)  # std of the tilt
SHEAR = 0.18  # std of the slant
ASPECT = 0.12  # std of log(width / height)
NARROW = 0.93  # median width factor: hands write narrower than type (all three real sets agree)
WARP = 0.03  # amplitude of the smooth elastic field (about one wave per glyph)
TREMOR = 0.006  # amplitude of a finer field (about four waves per glyph): an unsteady hand
JITTER = 0.003  # std of a per-point wobble, smoothed along the path, for single-line fonts
SPACING = 0.04  # distance between resampled points
PEN_RANGE = (0.6, 1.45)  # pen width multipliers, drawn log-uniformly
PEN_RANGE_MULTILINE = (0.75, 1.1)  # ... for fonts with doubled lines, already bold
DROP = 0.15  # chance of leaving out a stroke the letter reads well without
GAP = 0.1  # chance of a short gap in one long stroke, as when a pen skips
EXTEND = 0.35  # chance per stroke end of an overshoot or a shortfall
EXTEND_RANGE = (-0.04, 0.07)  # ... of this length
SPECK = 0.04  # chance of a stray dot beside, below or above the letter, as on scanned paper
RULE = 0.03  # chance of a stray line under or over it: a ruled line, a stroke of the next line
ABOVE = 0.4  # share of those marks put above the letter, where it can take one
NO_MARK_ABOVE = (8, 11)  # I and L: a dot above an l makes an i, a line above an I or l a T

_JITTER_KERNEL = np.exp(-0.5 * (np.arange(-6, 7) / 2.5) ** 2)
_JITTER_KERNEL /= np.sqrt((_JITTER_KERNEL**2).sum())  # smoothed unit noise keeps unit std


def _with_marks(glyph: Glyph, rng, above: bool = True) -> Glyph:
    """Now and then the glyph with a stray dot or line apart from it, which the crop takes in:
    a speck of dirt, a ruled line or the box of a form, a stroke of the line above or below.

    Marks keep clear of the letter by more than the widest pen. `above=False` keeps them off
    the top, for letters a mark there would turn into another (a dot makes an l an i, a line
    makes an I or an l a T)."""
    u = rng.random()
    if u >= SPECK + RULE:
        return glyph
    pts = np.concatenate(glyph.strokes)
    lo, hi = pts.min(0), pts.max(0)
    top = above and rng.random() < ABOVE

    def beyond():  # a y clear of the letter, below it or above it
        gap = rng.uniform(0.2, 0.4)
        return lo[1] - gap if top else hi[1] + gap

    if u < SPECK:
        if rng.random() < 0.7:
            at = np.array([rng.uniform(lo[0], hi[0]), beyond()])
        else:
            gap = rng.uniform(0.2, 0.35)
            side = hi[0] + gap if rng.random() < 0.5 else lo[0] - gap
            at = np.array([side, rng.uniform((lo[1] + hi[1]) / 2, hi[1])])
        d = rng.normal(0, 1, 2)
        mark = np.stack([at, at + rng.uniform(0.005, 0.03) * d / np.linalg.norm(d)])
    else:
        y = beyond()
        mark = np.array([[lo[0] - rng.uniform(0, 0.3), y], [hi[0] + rng.uniform(0, 0.3), y]])
    return Glyph(glyph.strokes + (mark,), glyph.droppable)


def _drop_stroke(glyph: Glyph, rng) -> list[np.ndarray]:
    """The glyph's strokes, now and then without one that it reads well without."""
    strokes = list(glyph.strokes)
    if glyph.droppable and rng.random() < DROP:
        k = glyph.droppable[rng.integers(len(glyph.droppable))]
        del strokes[k]
    return strokes


def _lift_pen(pts, lengths, counts, eligible, rng):
    """Now and then, per eligible letter, a short gap in one long stroke: the pen skipped.

    counts (B,) strokes per letter, eligible (B,) bool. Returns (pts, lengths, counts)."""
    chosen = np.flatnonzero((rng.random(len(counts)) < GAP) & eligible)
    if not len(chosen):
        return pts, lengths, counts
    first = np.cumsum(counts) - counts
    starts = np.cumsum(lengths) - lengths
    keep = np.ones(len(pts), bool)
    pieces = [[n] for n in lengths]  # each stroke's point counts after cutting
    counts = counts.copy()
    for letter in chosen:
        ks = first[letter] + np.arange(counts[letter])
        ks = ks[lengths[ks] >= 14]
        if not len(ks):
            continue
        k = ks[rng.integers(len(ks))]
        cut, gone = int(rng.integers(4, lengths[k] - 8)), int(rng.integers(3, 5))
        keep[starts[k] + cut : starts[k] + cut + gone] = False
        pieces[k] = [cut, lengths[k] - cut - gone]
        counts[letter] += 1
    lengths = np.array([n for p in pieces for n in p], np.intp)
    return pts[keep], lengths, counts


def _extend_ends(pts, lengths, free, rng):
    """Overshoot or stop short at the ends of the strokes where `free` (S,), along the tangent."""
    last = np.cumsum(lengths) - 1
    ends = np.concatenate([last - lengths + 1, last])  # first points, then last points
    inward = np.concatenate([last - lengths + 2, last - 1])  # their neighbours
    pick = (rng.random(len(ends)) < EXTEND) & np.tile((lengths > 1) & free, 2)
    amount = rng.uniform(*EXTEND_RANGE, len(ends))
    ends, inward, amount = ends[pick], inward[pick], amount[pick]
    d = pts[ends] - pts[inward]
    n = np.linalg.norm(d, axis=1)
    ok = n > 1e-9
    step = np.maximum(amount[ok], -0.5 * n[ok])  # never eat a whole segment
    pts = pts.copy()
    pts[ends[ok]] += d[ok] * (step / n[ok])[:, None]
    return pts


def _jitter(pts, free, rng):
    """A slow wobble along the path where free (P,): white noise smoothed over neighbours."""
    pad = len(_JITTER_KERNEL) - 1
    noise = rng.normal(0.0, 1.0, (2, len(pts) + pad))
    wobble = np.stack([np.convolve(noise[i], _JITTER_KERNEL, "valid") for i in range(2)], 1)
    return pts + JITTER * wobble * free[:, None]


def _warp(pts, owner, count: int, rng):
    """Smooth random displacement fields per letter: a coarse and a fine sum of sine waves."""
    k = 4  # waves per field and axis
    cycles = np.repeat([1.2, 4.0], 2 * k)  # per glyph side: the coarse field, the fine field
    freq = rng.normal(0.0, 1.0, (count, 2, 4 * k)) * cycles
    phase = rng.uniform(0, 2 * np.pi, (count, 4 * k))
    # Waves 0..k-1 of each field move x, the next k move y.
    mix = np.zeros((4 * k, 2))
    mix[np.arange(4 * k), np.arange(4 * k) // k % 2] = np.repeat([WARP, TREMOR], 2 * k)
    arg = np.einsum("nd,ndw->nw", pts, freq[owner]) + phase[owner]
    return pts + np.sin(2 * np.pi * arg) @ mix / np.sqrt(k)


def _slant(pts, owner, count: int, rng):
    """Per letter: tilt, slant (shear) and a change of width against height."""
    angle = np.clip(rng.normal(0.0, ROTATION, count), -2.5 * ROTATION, 2.5 * ROTATION)
    shear = np.clip(rng.normal(0.0, SHEAR, count), -2 * SHEAR, 2 * SHEAR)
    stretch = np.clip(rng.normal(0.0, ASPECT, count), -2.5 * ASPECT, 2.5 * ASPECT)
    aspect = NARROW * np.exp(stretch)
    c, s = np.cos(angle), np.sin(angle)
    rotate = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)  # (count, 2, 2)
    # y points down, so a positive shear leans the tops to the right, like a right-handed slant.
    stretch = np.zeros((count, 2, 2))
    stretch[:, 0, 0], stretch[:, 0, 1], stretch[:, 1, 1] = aspect, -shear, 1.0
    return np.einsum("nij,nj->ni", (rotate @ stretch)[owner], pts)


def _distort(letters, single_line, rng):
    """Handwritten-looking variants of Glyphs, packed: pts (P, 2), points per stroke (S,),
    strokes per letter (B,). single_line (B,) bool: False keeps strokes that double each
    other together (no stroke is moved or cut on its own)."""
    single_line = np.asarray(single_line, bool)
    letters = [_drop_stroke(g, rng) for g in letters]
    counts = np.array([len(g) for g in letters], np.intp)
    pts, lengths = preprocess.pack([s for g in letters for s in g])
    free = np.repeat(single_line, counts)  # per stroke
    pts, lengths = resample(_extend_ends(pts, lengths, free, rng), lengths, SPACING)
    pts, lengths, counts = _lift_pen(pts, lengths, counts, single_line, rng)
    npts = np.add.reduceat(lengths, np.cumsum(counts) - counts)
    owner = np.repeat(np.arange(len(counts)), npts)  # letter per point
    pts = _jitter(pts, single_line[owner], rng)
    pts = _slant(_warp(pts, owner, len(counts), rng), owner, len(counts), rng)
    return pts, lengths, counts


def distort(strokes, rng: np.random.Generator, *, single_line: bool = True) -> list[np.ndarray]:
    """A handwritten-looking variant of a glyph's strokes (list of (n, 2), x, y down)."""
    if not isinstance(strokes, Glyph):
        strokes = Glyph(tuple(np.asarray(s, np.float64) for s in strokes), ())
    pts, lengths, _ = _distort([strokes], [single_line], rng)
    return np.split(pts, np.cumsum(lengths)[:-1])


def _pens(single_line, rng) -> np.ndarray:
    """(B,) pen width multipliers, log-uniform in the range for each letter's font."""
    single_line = np.asarray(single_line, bool)
    lo = np.where(single_line, PEN_RANGE[0], PEN_RANGE_MULTILINE[0])
    hi = np.where(single_line, PEN_RANGE[1], PEN_RANGE_MULTILINE[1])
    return np.exp(rng.uniform(np.log(lo), np.log(hi)))


def draw(glyphs, labels, single_line, rng) -> np.ndarray:
    """(B, 28, 28) float32: Glyphs of classes `labels`, given stray marks now and then,
    distorted and drawn with a random pen."""
    glyphs = [_with_marks(g, rng, int(y) not in NO_MARK_ABOVE)
              for g, y in zip(glyphs, labels, strict=True)]
    pts, lengths, counts = _distort(glyphs, single_line, rng)
    return preprocess.preprocess_packed(pts, lengths, counts, _pens(single_line, rng))
