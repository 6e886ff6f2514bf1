"""One preprocessing for every source of letters, the way EMNIST was made.

Crop to the ink's bounding box, keep the aspect ratio, centre the glyph in a square so that it
spans GLYPH of SIZE pixels, area-average down to SIZE × SIZE and scale the peak to 1.0.
Drawn strokes are rasterised straight into that frame with a round pen whose width is a fixed
fraction of the glyph, so the result depends neither on the drawing's size nor on the canvas pen.
"""

from dataclasses import dataclass, field

import numpy as np

from cnn.raster import capsules, pack, segment_index

PREPROCESS_VERSION = 1

SIZE = 28  # side of the network's input
GLYPH = 24  # the glyph's longer side, in SIZE pixels: a 2-pixel border
SUPERSAMPLE = 4  # strokes are drawn on a SUPERSAMPLE-times finer grid, then area-averaged
CENTRED_SIZE = SIZE * SUPERSAMPLE  # side of `Preprocessed.centred`

PEN_WIDTH = 0.115  # round pen diameter as a fraction of the strokes' longer side; this
# reproduces real tablet letters normalised from their pen trajectories (tests check it)
BLANK_FRACTION = 0.02  # ink whose longer side is below this share of the canvas is a dot

MAX_COORDINATE = 1e9  # points further out are refused: their differences would lose precision
MAX_PEN_SCALE = 100.0
MIN_SIDE = 1e-9  # ink smaller than this, in any units, is a dot: its scale would overflow


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
    # Blank because the ink is too small: the longer side (source units) it would need, else 0.
    min_side: float = 0.0

    @property
    def too_small(self) -> bool:
        """There is ink, but too little to read (a dot, a tiny scribble)."""
        return self.min_side > 0

    def __repr__(self) -> str:
        box = None if self.box is None else tuple(round(v, 2) for v in self.box)
        return f"Preprocessed(blank={self.blank}, box={box}, scale={self.scale:.4g})"


def _blank(box=None, min_side: float = 0.0) -> Preprocessed:
    box = None if box is None else tuple(float(v) for v in box)
    return Preprocessed(np.zeros((SIZE, SIZE), np.float32), True, box, min_side=min_side)


# (SIZE, CENTRED_SIZE): left-multiplied it averages each run of SUPERSAMPLE rows.
_POOL = np.kron(np.eye(SIZE, dtype=np.float32), np.full((1, SUPERSAMPLE), 1 / SUPERSAMPLE))
_POOL = _POOL.astype(np.float32)


def _finish(centred: np.ndarray, box, scale: float, centre) -> Preprocessed:
    """Area-average the centred image down to SIZE and scale both to a peak of 1."""
    image = _POOL @ centred @ _POOL.T
    peak = float(image.max())
    if not peak > 0:
        return _blank(box)
    image = np.clip(image * np.float32(1 / peak), 0.0, 1.0)
    centred = np.clip(centred * np.float32(1 / centred.max()), 0.0, 1.0)
    box = tuple(float(v) for v in box)
    centre = (float(centre[0]), float(centre[1]))
    return Preprocessed(image, False, box, centred, float(scale), centre)


# -- strokes ----------------------------------------------------------------------------------


def _canvas_side(canvas_size) -> float:
    if canvas_size is None:
        return 0.0
    return float(np.max(np.atleast_1d(canvas_size)))


def _render(pts, lengths, letters, pen_scale):
    """Draw packed letters, each into its own normalised frame.

    pts (P, 2), lengths (S,) points per stroke, letters (B,) strokes per letter, pen_scale (B,);
    no letter may be a single spot. Returns centred (B, CENTRED_SIZE, CENTRED_SIZE) as a work
    array, ink boxes (B, 4) in source units, scale (B,) and centre (B, 2).
    """
    npts = np.add.reduceat(lengths, np.cumsum(letters) - letters)
    start = np.cumsum(npts) - npts
    lo, hi = np.minimum.reduceat(pts, start), np.maximum.reduceat(pts, start)
    side = (hi - lo).max(1)
    width = PEN_WIDTH * np.asarray(pen_scale, np.float64) * side
    scale = GLYPH / (side + width)  # the ink, pen included, spans GLYPH pixels
    centre = (lo + hi) / 2
    k = scale * SUPERSAMPLE
    owner = np.repeat(np.arange(len(letters)), npts)
    frame = ((pts - centre[owner]) * k[owner, None] + CENTRED_SIZE / 2).astype(np.float32)
    ia, ib = segment_index(lengths)
    radius = (width * k / 2).astype(np.float32)[owner[ia]]
    size = (CENTRED_SIZE, CENTRED_SIZE)
    centred = capsules(frame[ia], frame[ib], radius, owner[ia], len(letters), size)
    box = np.concatenate([lo - width[:, None] / 2, hi + width[:, None] / 2], axis=1)
    return centred, box, scale, centre


def _check_points(pts: np.ndarray, pen_scale) -> None:
    """ValueError unless every point is finite and within MAX_COORDINATE, and every pen scale
    a number in [0, MAX_PEN_SCALE]."""
    if not (np.isfinite(pts).all() and (np.abs(pts) <= MAX_COORDINATE).all()):
        raise ValueError("stroke points must be finite numbers within "
                         f"±{MAX_COORDINATE:g}")
    pen = np.asarray(pen_scale, np.float64)
    if not (np.isfinite(pen).all() and (pen >= 0).all() and (pen <= MAX_PEN_SCALE).all()):
        raise ValueError(f"pen_scale must be a number from 0 to {MAX_PEN_SCALE:g}, got "
                         f"{pen_scale!r}")


def preprocess_strokes(strokes, canvas_size=None, *, pen_scale: float = 1.0) -> Preprocessed:
    """Rasterise strokes (list of (n, 2) x, y arrays, y down) straight into the normalised frame.

    The pen is PEN_WIDTH × pen_scale of the strokes' longer side. Blank when there are no
    points, when all points coincide, or when the longer side is below BLANK_FRACTION of
    `canvas_size` (an int or (width, height), in the strokes' units); the last two are
    `too_small`, with the `min_side` the ink needed. ValueError for points
    that are not finite or beyond MAX_COORDINATE, or a pen_scale outside [0, MAX_PEN_SCALE].
    """
    pts, lengths = pack(strokes)
    _check_points(pts, pen_scale)
    if not len(pts):
        return _blank()
    lo, hi = pts.min(0), pts.max(0)
    side = float((hi - lo).max())
    least = max(BLANK_FRACTION * _canvas_side(canvas_size), MIN_SIDE)
    if not side > least:
        width = PEN_WIDTH * pen_scale * side
        return _blank((*(lo - width / 2), *(hi + width / 2)) if side > 0 else None, least)
    centred, box, scale, centre = _render(pts, lengths, [len(lengths)], [pen_scale])
    return _finish(centred[0], box[0], scale[0], centre[0])


def preprocess_packed(pts, lengths, letters, pen_scale=1.0) -> np.ndarray:
    """Many letters at once, drawn as preprocess_strokes draws each: (B, SIZE, SIZE) float32.

    pts (P, 2) x, y; lengths (S,) points per stroke; letters (B,) strokes per letter (>= 1);
    pen_scale a number or (B,). A letter whose points all coincide (within MIN_SIDE) comes out
    blank (zero).
    """
    pts, lengths = np.asarray(pts, np.float64), np.asarray(lengths, np.intp)
    _check_points(pts, pen_scale)
    letters = np.asarray(letters, np.intp)
    pen_scale = np.broadcast_to(np.asarray(pen_scale, np.float64), letters.shape)
    out = np.zeros((len(letters), SIZE, SIZE), np.float32)
    if not len(letters):
        return out
    npts = np.add.reduceat(lengths, np.cumsum(letters) - letters)
    start = np.cumsum(npts) - npts
    side = (np.maximum.reduceat(pts, start) - np.minimum.reduceat(pts, start)).max(1)
    ok = side > MIN_SIDE
    if not ok.all():  # leave the spots out
        pts, lengths = pts[np.repeat(ok, npts)], lengths[np.repeat(ok, letters)]
        letters, pen_scale = letters[ok], pen_scale[ok]
    if len(letters):
        image = _POOL @ _render(pts, lengths, letters, pen_scale)[0] @ _POOL.T
        peak = image.max(axis=(1, 2), keepdims=True)
        # A hairline pen along pixel edges can leave no ink: such a letter stays blank.
        image = np.divide(image, peak, out=np.zeros_like(image), where=peak > 0)
        out[ok] = np.clip(image, 0.0, 1.0)
    return out
