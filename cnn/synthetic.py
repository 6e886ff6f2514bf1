"""Synthetic handwriting: sets of stroke-font letters drawn by the synthetic hand, and their cache.

The letters come from cnn.glyphs and are bent and drawn by cnn.hand. Upper and lower case share
a class, 0..25 = A..Z, as in EMNIST Letters; the font index serves as the writer id.
"""

import concurrent.futures as cf
import os
import string
from collections.abc import Callable
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from cnn import preprocess
from cnn.fileio import atomic_write
from cnn.glyphs import FONTS, N_CLASSES, glyphs, make_glyph
from cnn.hand import draw
from cnn.paths import cache_dir

# Bump on any change to what generate_set returns for a seed: here, in cnn.glyphs or in cnn.hand.
GENERATOR_VERSION = 5
CHUNK = 2000  # samples per seeded chunk: the output does not depend on the number of workers
BATCH = 16  # letters distorted and drawn together (numpy's per-call cost shared)


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
        out[part] = draw(letters, labels[part], [FONTS[int(f)][3] for f in fonts[part]], rng)
    return out


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
        glyphs.append(make_glyph(strokes))
    order = np.repeat(np.arange(len(picked)), k)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    x = np.zeros((len(order), preprocess.SIZE, preprocess.SIZE), np.float32)
    for a in range(0, len(order), BATCH):
        part = order[a:a + BATCH]
        x[a:a + BATCH] = draw([glyphs[j] for j in part], letters.y[np.asarray(picked)[part]],
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
