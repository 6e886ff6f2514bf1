"""One preprocessing for every source of letters, the way EMNIST was made.

Crop to the ink's bounding box, keep the aspect ratio, centre the glyph in a square so that it
spans GLYPH of SIZE pixels, area-average down to SIZE × SIZE and scale the peak to 1.0.
Drawn strokes are rasterised straight into that frame with a round pen whose width is a fixed
fraction of the glyph, so the result depends neither on the drawing's size nor on the canvas pen.
"""

from dataclasses import dataclass, field

import numpy as np

PREPROCESS_VERSION = 1

SIZE = 28  # side of the network's input
GLYPH = 24  # the glyph's longer side, in SIZE pixels: a 2-pixel border
SUPERSAMPLE = 4  # strokes are drawn on a SUPERSAMPLE-times finer grid, then area-averaged
CENTRED_SIZE = SIZE * SUPERSAMPLE  # side of `Preprocessed.centred`

PEN_WIDTH = 0.115  # round pen diameter as a fraction of the strokes' longer side
BLANK_FRACTION = 0.02  # ink whose longer side is below this share of the canvas is a dot
INK_THRESHOLD = 0.05  # bitmap pixels below this share of the peak are background
BLOB_FRACTION = 0.1  # a solid mark smaller than this share of the canvas is a dot, not a letter
BLOB_FILL = 0.6  # ... where "solid" means the ink fills this share of its square box

_STEP = 4.0  # longest segment piece, in supersampled pixels, so every piece fits one patch


@dataclass
class Preprocessed:
    """The network's input and the steps that led to it, for the GUI to show.

    Frame coordinates (SIZE pixels, x right, y down) of a source point p are
    `(p - centre) * scale + SIZE / 2`.
    """

    image: np.ndarray  # (SIZE, SIZE) float32 in [0, 1], peak 1.0 (all zero when blank)
    blank: bool
    box: tuple[float, float, float, float] | None = None  # ink box (x0, y0, x1, y1), source units
    centred: np.ndarray = field(  # (CENTRED_SIZE, CENTRED_SIZE) float32: the glyph in its border
        default_factory=lambda: np.zeros((CENTRED_SIZE, CENTRED_SIZE), np.float32)
    )
    scale: float = 0.0  # frame pixels per source unit
    centre: tuple[float, float] = (0.0, 0.0)  # source point that lands on the frame's centre

    def __repr__(self) -> str:
        box = None if self.box is None else tuple(round(v, 2) for v in self.box)
        return f"Preprocessed(blank={self.blank}, box={box}, scale={self.scale:.4g})"


def _blank(box=None) -> Preprocessed:
    box = None if box is None else tuple(float(v) for v in box)
    return Preprocessed(np.zeros((SIZE, SIZE), np.float32), True, box)


def _area_average(img: np.ndarray, k: int) -> np.ndarray:
    """(H*k, W*k) -> (H, W): the mean of each k × k block."""
    h, w = img.shape[0] // k, img.shape[1] // k
    return img.reshape(h, k, w, k).mean(axis=(1, 3), dtype=np.float32)


def _finish(centred: np.ndarray, box, scale: float, centre) -> Preprocessed:
    image = _area_average(centred, SUPERSAMPLE)
    peak = float(image.max())
    if not peak > 0:
        return _blank(box)
    image = np.clip(image / peak, 0.0, 1.0).astype(np.float32)
    centred = np.clip(centred / centred.max(), 0.0, 1.0).astype(np.float32)
    box = tuple(float(v) for v in box)
    centre = (float(centre[0]), float(centre[1]))
    return Preprocessed(image, False, box, centred, float(scale), centre)


# -- strokes ----------------------------------------------------------------------------------


def rasterise(strokes, shape: tuple[int, int], width: float) -> np.ndarray:
    """Draw strokes (list of (n, 2) x, y arrays, pixel i spanning [i, i+1)) with a round pen.

    Returns an anti-aliased (H, W) float32 coverage image in [0, 1]; `width` in pixels.
    """
    segments = [_segments(np.asarray(s, np.float32).reshape(-1, 2)) for s in strokes]
    segments = [s for s in segments if len(s)]
    out = np.zeros(shape, np.float32)
    if not segments:
        return out
    a, b = np.concatenate(segments).reshape(-1, 2, 2).transpose(1, 0, 2)
    radius = max(float(width), 0.0) / 2
    return _draw(a, b, radius, shape)


def _segments(p: np.ndarray) -> np.ndarray:
    """(n, 2) points -> (m, 4) segments (ax, ay, bx, by); a single point is a zero-length one."""
    if len(p) == 0:
        return np.zeros((0, 4), np.float32)
    if len(p) == 1:
        return np.concatenate([p, p], axis=1)
    return np.concatenate([p[:-1], p[1:]], axis=1)


def _draw(a: np.ndarray, b: np.ndarray, radius: float, shape) -> np.ndarray:
    """Coverage of the union of capsules (a[i], b[i], radius) at each pixel centre, AA over 1 px."""
    # Split segments into pieces no longer than _STEP so one fixed-size patch holds each piece.
    length = np.linalg.norm(b - a, axis=1)
    pieces = np.maximum(np.ceil(length / _STEP), 1).astype(np.intp)
    which = np.repeat(np.arange(len(a)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    j = np.arange(len(which)) - first
    t0 = (j / pieces[which]).astype(np.float32)[:, None]
    t1 = ((j + 1) / pieces[which]).astype(np.float32)[:, None]
    d = b[which] - a[which]
    a, b = a[which] + t0 * d, a[which] + t1 * d

    reach = radius + 1.0
    n = int(np.ceil(_STEP + 2 * reach)) + 1  # patch side
    lo = np.floor(np.minimum(a, b) - reach).astype(np.intp)  # patch corner, (m, 2) x, y
    grid = np.arange(n)
    px = (lo[:, 0, None] + grid + 0.5).astype(np.float32)[:, None, :]  # (m, 1, n)
    py = (lo[:, 1, None] + grid + 0.5).astype(np.float32)[:, :, None]  # (m, n, 1)
    ab = b - a
    den = np.maximum((ab * ab).sum(1), 1e-12)
    ax, ay = a[:, 0, None, None], a[:, 1, None, None]
    bx, by = ab[:, 0, None, None], ab[:, 1, None, None]
    t = np.clip(((px - ax) * bx + (py - ay) * by) / den[:, None, None], 0.0, 1.0)
    d2 = (px - ax - t * bx) ** 2 + (py - ay - t * by) ** 2  # (m, n, n)

    # Nearest distance per pixel, on a canvas with a margin so every patch fits.
    h, w = shape
    m = n
    hh, ww = h + 2 * m, w + 2 * m
    rows = np.clip(lo[:, 1, None] + grid + m, 0, hh - 1)
    cols = np.clip(lo[:, 0, None] + grid + m, 0, ww - 1)
    idx = (rows[:, :, None] * ww + cols[:, None, :]).ravel()
    best = np.full(hh * ww, np.inf, np.float32)
    np.minimum.at(best, idx, d2.ravel().astype(np.float32, copy=False))
    best = best.reshape(hh, ww)[m : m + h, m : m + w]
    return np.clip(radius + 0.5 - np.sqrt(best), 0.0, 1.0).astype(np.float32)


def _canvas_side(canvas_size) -> float:
    if canvas_size is None:
        return 0.0
    return float(np.max(np.atleast_1d(canvas_size)))


def preprocess_strokes(strokes, canvas_size=None, *, pen_scale: float = 1.0) -> Preprocessed:
    """Rasterise strokes (list of (n, 2) x, y arrays, y down) straight into the normalised frame.

    The pen is PEN_WIDTH × pen_scale of the strokes' longer side. Blank when there are no
    points, when all points coincide, or when the longer side is below BLANK_FRACTION of
    `canvas_size` (an int or (width, height), in the strokes' units).
    """
    pts = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    pts = [p for p in pts if len(p)]
    if not pts:
        return _blank()
    allp = np.concatenate(pts)
    lo, hi = allp.min(0), allp.max(0)
    side = float((hi - lo).max())
    width = PEN_WIDTH * pen_scale * side
    box = (*(lo - width / 2), *(hi + width / 2))
    if not side > BLANK_FRACTION * _canvas_side(canvas_size):
        return _blank(box if side > 0 else None)

    centre = (lo + hi) / 2
    scale = GLYPH / (side + width)  # the ink, pen included, spans GLYPH pixels
    k = scale * SUPERSAMPLE
    frame = [((p - centre) * k + CENTRED_SIZE / 2).astype(np.float32) for p in pts]
    centred = rasterise(frame, (CENTRED_SIZE, CENTRED_SIZE), width * k)
    return _finish(centred, box, scale, centre)


# -- bitmaps ----------------------------------------------------------------------------------


def _resample_matrix(n_src: int, start: float, scale: float, n_out: int) -> np.ndarray:
    """(n_out, n_src) area-average weights, output pixels per source pixel = scale.

    Source pixel j lands on the output interval [start + j*scale, start + (j+1)*scale).
    """
    edges = start + np.arange(n_src + 1) * scale
    i = np.arange(n_out)[:, None]
    overlap = np.minimum(i + 1, edges[None, 1:]) - np.maximum(i, edges[None, :-1])
    return np.clip(overlap, 0.0, None).astype(np.float32)


def _extent(profile: np.ndarray) -> tuple[int, int, float, float]:
    """Ink extent along one axis from the per-line peak (as a share of the image's peak).

    Returns the first and one-past-last inked lines and the sub-pixel ink edges: an edge line
    that is only faintly inked is only partly covered, as anti-aliased and scanned ink is.
    """
    lines = np.flatnonzero(profile > INK_THRESHOLD)
    i0, i1 = int(lines[0]), int(lines[-1]) + 1
    cover = np.clip(profile, 0.0, 1.0)
    if i1 - i0 == 1:
        return i0, i1, float(i0), float(i1)
    return i0, i1, i0 + 1 - float(cover[i0]), i1 - 1 + float(cover[i1 - 1])


def preprocess_bitmap(img) -> Preprocessed:
    """Preprocess a 2-D image of any size (uint8 or float, ink high, background low).

    Blank when no pixel reaches INK_THRESHOLD of the peak, when the ink box's longer side is
    below BLANK_FRACTION of the image's (and 2 pixels), or when the ink is a small solid blob.
    """
    img = np.asarray(img, np.float32)
    if img.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {img.shape}")
    peak = float(img.max()) if img.size else 0.0
    if not peak > 0:
        return _blank()
    r0, r1, y0, y1 = _extent(img.max(1) / peak)
    c0, c1, x0, x1 = _extent(img.max(0) / peak)
    box = (x0, y0, x1, y1)
    side = max(x1 - x0, y1 - y0)
    big = max(img.shape)
    inked = int((img > INK_THRESHOLD * peak).sum())
    solid = inked >= BLOB_FILL * side * side and side < BLOB_FRACTION * big
    if side < max(2, BLANK_FRACTION * big) or solid:
        return _blank(box)

    crop = np.clip(img[r0:r1, c0:c1], 0.0, None)
    scale = GLYPH / side
    k = scale * SUPERSAMPLE
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    half = CENTRED_SIZE / 2
    wy = _resample_matrix(r1 - r0, half + (r0 - centre[1]) * k, k, CENTRED_SIZE)
    wx = _resample_matrix(c1 - c0, half + (c0 - centre[0]) * k, k, CENTRED_SIZE)
    centred = wy @ crop @ wx.T
    return _finish(centred, box, scale, centre)
