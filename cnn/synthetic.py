"""Synthetic handwriting: Hershey stroke-font letters bent the way hands bend them.

Each letter's strokes are resampled, wobbled, warped, slanted and drawn with a varying pen by
the preprocessing that draws a person's strokes (`preprocess.preprocess_packed`, the batched
`preprocess_strokes`). Upper and lower case share a class, 0..25 = A..Z, as in EMNIST Letters;
the font index serves as the writer id.
"""

import concurrent.futures as cf
import functools
import os
import string
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cnn import hand_forms, preprocess
from cnn.fileio import atomic_write
from cnn.paths import cache_dir

GENERATOR_VERSION = 5  # bump on any change to what generate_set returns for a seed
N_CLASSES = 26
CHUNK = 2000  # samples per seeded chunk: the output does not depend on the number of workers
BATCH = 16  # letters distorted and drawn together (numpy's per-call cost shared)

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
SHORT = 0.15  # ... a stroke shorter than this
TOUCH = 0.02  # ... that comes this close to another stroke
GAP = 0.1  # chance of a short gap in one long stroke, as when a pen skips
EXTEND = 0.35  # chance per stroke end of an overshoot or a shortfall
EXTEND_RANGE = (-0.04, 0.07)  # ... of this length
SPECK = 0.04  # chance of a stray dot beside, below or above the letter, as on scanned paper
RULE = 0.03  # chance of a stray line under or over it: a ruled line, a stroke of the next line
ABOVE = 0.4  # share of those marks put above the letter, where it can take one
NO_MARK_ABOVE = (8, 11)  # I and L: a dot above an l makes an i, a line above an I or l a T

_JITTER_KERNEL = np.exp(-0.5 * (np.arange(-6, 7) / 2.5) ** 2)
_JITTER_KERNEL /= np.sqrt((_JITTER_KERNEL**2).sum())  # smoothed unit noise keeps unit std


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
            out.append(_glyph([s for s in f.strokes_for_text(ch) if len(s)]))
    return tuple(out)


def _hand_glyphs(variant: int) -> tuple[Glyph, ...]:
    """futural's letters, with form number `variant` of hand_forms.FORMS where one is given."""
    out = list(glyphs(0))
    for case, letters in enumerate((string.ascii_uppercase, string.ascii_lowercase)):
        for k, ch in enumerate(letters):
            forms = hand_forms.FORMS.get(ch)
            if forms:
                out[case * N_CLASSES + k] = _glyph(forms[variant % len(forms)])
    return tuple(out)


def _glyph(strokes) -> Glyph:
    """A Glyph of strokes in any box: centred, longer side 1."""
    strokes = [np.asarray(s, np.float64) for s in strokes]
    pts = np.concatenate(strokes)
    lo, hi = pts.min(0), pts.max(0)
    strokes = tuple((s - (lo + hi) / 2) / (hi - lo).max() for s in strokes)
    return Glyph(strokes, _droppable(strokes))


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


def _droppable(strokes) -> tuple[int, ...]:
    """Strokes shorter than SHORT that touch another stroke: a serif, one of doubled lines.
    A detached stroke (an i's dot) or a long one (a crossbar) carries the letter's identity."""
    dense = [_resample(s, np.array([len(s)]), 0.01)[0] for s in strokes]
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


def _resample(pts, lengths, spacing: float):
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
    pts, lengths = _resample(_extend_ends(pts, lengths, free, rng), lengths, SPACING)
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


def render(fonts, labels, cases, rng: np.random.Generator) -> np.ndarray:
    """Synthetic letters, (B, 28, 28) float32 in [0, 1]: class labels[i], case cases[i] (0 upper,
    1 lower) from font fonts[i], all (B,)."""
    out = np.empty((len(fonts), preprocess.SIZE, preprocess.SIZE), np.float32)
    for i in range(0, len(fonts), BATCH):
        part = slice(i, i + BATCH)
        chosen = zip(fonts[part], labels[part], cases[part], strict=True)
        letters = [glyphs(int(f))[int(c) * N_CLASSES + int(y)] for f, y, c in chosen]
        if any(g is None for g in letters):
            raise ValueError("a font was asked for a case it does not give (see FONTS)")
        out[part] = _draw(letters, labels[part], [FONTS[int(f)][3] for f in fonts[part]], rng)
    return out


def _draw(glyphs, labels, single_line, rng) -> np.ndarray:
    """(B, 28, 28) float32: Glyphs of classes `labels`, given stray marks now and then,
    distorted and drawn with a random pen."""
    glyphs = [_with_marks(g, rng, int(y) not in NO_MARK_ABOVE)
              for g, y in zip(glyphs, labels, strict=True)]
    pts, lengths, counts = _distort(glyphs, single_line, rng)
    return preprocess.preprocess_packed(pts, lengths, counts, _pens(single_line, rng))


def _font_weights(case: int) -> np.ndarray:
    w = np.array([f[1 + case] for f in FONTS])
    return w / w.sum()


def _fonts_for(case: np.ndarray, rng) -> np.ndarray:
    """(n,) int64 font per sample, drawn by the weights for its case."""
    upper = rng.choice(len(FONTS), len(case), p=_font_weights(0))
    lower = rng.choice(len(FONTS), len(case), p=_font_weights(1))
    return np.where(np.asarray(case) == 0, upper, lower).astype(np.int64)


def _chunk(y, case, seed: np.random.SeedSequence):
    """Render one chunk: x (n, 28, 28) uint8 and writer (n,) int64, from its own seed."""
    rng = np.random.default_rng(seed)
    writer = _fonts_for(case, rng)
    x = render(writer, y, case, rng)
    return np.rint(x * 255).astype(np.uint8), writer


class Cancelled(Exception):
    """Generation was stopped by the caller's `cancelled()` between chunks."""


def generate_set(n: int, seed: int = 0, *, workers: int | None = None,
                 report: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> dict[str, np.ndarray]:
    """n synthetic letters, balanced over the 26 classes and both cases, deterministic for a seed.

    Returns x uint8 (n, 28, 28), y uint8 (n,), case uint8 (n,) 0 upper / 1 lower, writer
    int64 (n,) the font index: the keys of the real letter files. Several workers (default:
    one per CPU) are spawned processes, so a calling script needs an `if __name__ ==
    "__main__":` guard; the result is the same for any number of workers. `report(done, n)` is
    called as chunks finish; `cancelled()` is asked between chunks and raises Cancelled.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    n_chunks = -(-n // CHUNK)
    seeds = np.random.SeedSequence(seed).spawn(n_chunks + 1)
    # Every (class, case) pair equally often, in a random order.
    pair = np.random.default_rng(seeds[0]).permutation(np.arange(n) % (2 * N_CLASSES))
    y, case = (pair % N_CLASSES).astype(np.uint8), (pair // N_CLASSES).astype(np.uint8)
    spans = [slice(i * CHUNK, min((i + 1) * CHUNK, n)) for i in range(n_chunks)]
    jobs = [(y[s], case[s], seeds[i + 1]) for i, s in enumerate(spans)]
    workers = min(workers or os.cpu_count() or 1, n_chunks)
    parts: list = [None] * n_chunks
    done_n = 0

    def finished(i: int, part) -> None:
        nonlocal done_n
        parts[i] = part
        done_n += len(part[1])
        if report is not None:
            report(done_n, n)

    def check() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled

    if workers > 1:
        # spawn, not fork: the caller may be a GUI with threads running.
        pool = cf.ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        pending: dict = {}
        try:
            pending = {pool.submit(_chunk, *job): i for i, job in enumerate(jobs)}
            while pending:
                check()
                done, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                for f in done:
                    finished(pending.pop(f), f.result())
        finally:
            # On a cancel, chunks already running end in their own processes; nobody waits.
            pool.shutdown(wait=not pending, cancel_futures=True)
    else:
        for i, job in enumerate(jobs):
            check()
            finished(i, _chunk(*job))
    x = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, 28, 28), np.uint8)
    writer = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    return {"x": x, "y": y, "case": case, "writer": writer}


def generate(n: int, seed: int = 0, *, workers: int | None = None):
    """x uint8 (n, 28, 28) and y uint8 (n,) 0..25; see generate_set for case and writer."""
    s = generate_set(n, seed, workers=workers)
    return s["x"], s["y"]


def cache_path(n: int, seed: int = 0) -> Path:
    """Where load_or_generate keeps a set; the name changes with the generator or preprocessing."""
    version = f"{GENERATOR_VERSION}.{preprocess.PREPROCESS_VERSION}"
    return cache_dir() / f"synthetic-v{version}-{n}-{seed}.npz"


def _read_cache(path: Path, n: int) -> dict[str, np.ndarray] | None:
    """The n letters cached in `path`, or None when the file is damaged or not what it should
    be (it is then made again); never reads more than n letters' worth."""
    from cnn.safefile import NpzError, read_arrays

    try:
        # x uint8 (n, 28, 28), y and case uint8, writer int64, plus the archive's headers
        a = read_arrays(path, n * (preprocess.SIZE ** 2 + 24) + 4096, "this synthetic set")
    except (NpzError, OSError):
        return None
    s = {k: a.get(k) for k in ("x", "y", "case", "writer")}
    if any(v is None or len(v) != n or v.dtype.kind not in "iu" for v in s.values()):
        return None
    ok = (s["x"].shape == (n, preprocess.SIZE, preprocess.SIZE) and s["x"].dtype == np.uint8
          and all(s[k].ndim == 1 for k in ("y", "case", "writer")))
    return s if ok else None


def load_or_generate(n: int, seed: int = 0, *, workers: int | None = None,
                     report: Callable[[int, int], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> dict[str, np.ndarray]:
    """generate_set(n, seed), read from the cache folder when made before, else made and saved."""
    path = cache_path(n, seed)
    if path.exists():
        cached = _read_cache(path, n)
        if cached is not None:
            return cached
    s = generate_set(n, seed, workers=workers, report=report, cancelled=cancelled)
    atomic_write(path, lambda f: np.savez_compressed(f, **s))
    return s


def redraw(letters, k: int, seed: int = 0):
    """Letters drawn with a pen, each drawn again k times by the synthetic hand.

    `letters` is a cnn.data.LetterSet whose `strokes` hold the pen strokes (letters without
    strokes are skipped). Each copy goes through the same distortions as a stroke-font glyph:
    wobble, warp, slant, pen width, a stroke dropped or overshot, a stray mark. Real hands give
    the forms, and the synthetic hand the variety. Returns a LetterSet of the copies, with the
    label, case and writer of their original; deterministic for a seed.
    """
    from cnn.data import LetterSet

    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    picked, glyphs = [], []
    for i, strokes in enumerate(letters.strokes or []):
        strokes = [np.asarray(s, np.float64) for s in strokes if len(s)]
        if not strokes:
            continue
        pts = np.concatenate(strokes)
        if (pts.max(0) - pts.min(0)).max() <= 0:  # a dot: nothing to draw again
            continue
        picked.append(i)
        glyphs.append(_glyph(strokes))
    order = np.repeat(np.arange(len(picked)), k)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    x = np.zeros((len(order), preprocess.SIZE, preprocess.SIZE), np.float32)
    for a in range(0, len(order), BATCH):
        part = order[a:a + BATCH]
        x[a:a + BATCH] = _draw([glyphs[j] for j in part], letters.y[np.asarray(picked)[part]],
                               [True] * len(part), rng)
    src = np.asarray(picked, np.int64)[order]
    return LetterSet(np.rint(x * 255).astype(np.uint8), letters.y[src], letters.writer[src],
                     letters.case[src], f"{letters.source or 'letters'} redrawn")


def augmentation_preview(letter, n: int = 16, seed: int = 0) -> np.ndarray:
    """(n, 28, 28) float32: synthetic samples of one letter ('A'..'Z', 'a'..'z' or 0..25)."""
    if isinstance(letter, str):
        if len(letter) != 1 or letter not in string.ascii_letters:
            raise ValueError(f"expected one letter A..Z or a..z, got {letter!r}")
        label, cases = string.ascii_letters.index(letter) % N_CLASSES, [int(letter.islower())]
    else:
        label, cases = int(letter), [0, 1]
        if not 0 <= label < N_CLASSES:
            raise ValueError(f"class must be 0..{N_CLASSES - 1}, got {letter}")
    rng = np.random.default_rng(seed)
    case = np.resize(cases, n)
    return render(_fonts_for(case, rng), np.full(n, label), case, rng)
