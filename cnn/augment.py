"""Image augmentation for training batches of (N, 1, 28, 28) images: random affine warps with an
optional elastic bend, and the look of paper, photos and small screens (`degrade`)."""

import functools

import numpy as np


@functools.cache
def _bilinear_up(size: int, cells: int) -> np.ndarray:
    """(size, cells) matrix spreading `cells` values linearly over `size` pixels, ends included."""
    pos = np.linspace(0, cells - 1, size)
    i0 = np.minimum(np.floor(pos).astype(int), cells - 2)
    f = pos - i0
    m = np.zeros((size, cells))
    m[np.arange(size), i0] = 1 - f
    m[np.arange(size), i0 + 1] = f
    return m


def _smooth_field(rng: np.random.Generator, n: int, h: int, w: int, cells: int = 4) -> np.ndarray:
    """(n, 2, h*w) smooth random displacement, unit std per coarse cell, bilinear between a
    cells x cells grid of Gaussian values."""
    coarse = rng.standard_normal((n, 2, cells, cells))
    return (_bilinear_up(h, cells) @ coarse @ _bilinear_up(w, cells).T).reshape(n, 2, h * w)


def random_affine(x: np.ndarray, rng: np.random.Generator, rotate_deg: float = 8.0,
                  scale: float = 0.08, shear: float = 0.12, shift: float = 1.5,
                  elastic: float = 0.0) -> np.ndarray:
    """A new batch, each image rotated, scaled, sheared and shifted at random (bilinear).

    x: (N, 1, H, W) float. Ranges are standard deviations (degrees, log-scale, shear factor,
    pixels), clipped at 2 sigma so letters stay readable. `elastic` adds a smooth random
    displacement of about that many pixels (std), bending strokes as different hands do.
    """
    n, _, h, w = x.shape

    def draw(sigma):
        return np.clip(rng.standard_normal(n), -2, 2) * sigma

    angle = np.deg2rad(draw(rotate_deg))
    s = np.exp(draw(scale))
    aspect = np.exp(draw(scale / 2))
    sh = draw(shear)
    cos, sin = np.cos(angle), np.sin(angle)
    # Inverse map: output pixel -> source pixel, around the image centre.
    a = np.empty((n, 2, 2))
    a[:, 0, 0], a[:, 0, 1] = cos / (s * aspect), (sin + sh * cos) / (s * aspect)
    a[:, 1, 0], a[:, 1, 1] = -sin * aspect / s, (cos - sh * sin) * aspect / s
    t = np.stack([draw(shift), draw(shift)], axis=1)
    field = _smooth_field(rng, n, h, w) * elastic if elastic > 0 else None
    return warp(x, a, t, field)


def warp(x: np.ndarray, a: np.ndarray, t: np.ndarray, field: np.ndarray | None = None):
    """x (N, 1, H, W) resampled (bilinear, zero outside): output pixel p reads the source at
    a[i] @ (p - centre) + centre - t[i] (+ field[i] at p). a (N, 2, 2) and t (N, 2) in x, y
    order; field (N, 2, H*W) or None. Coordinates in float32, one gather per corner: a batch
    of 64 letters takes 2.0-2.4 ms instead of 3.7, and a pixel moves by far less than 1e-4.
    """
    n, _, h, w = x.shape
    dtype = x.dtype
    cy, cx = (h - 1) / 2, (w - 1) / 2
    # One (2, 3) map per letter, centre and shift folded in, +1 for the zero border below.
    m = np.empty((n, 2, 3), np.float32)
    m[:, :, :2] = a
    m[:, 0, 2] = cx + 1 - t[:, 0] - a[:, 0, 0] * cx - a[:, 0, 1] * cy
    m[:, 1, 2] = cy + 1 - t[:, 1] - a[:, 1, 0] * cx - a[:, 1, 1] * cy
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grid = np.stack([xx.ravel(), yy.ravel(), np.ones(h * w, np.float32)])  # (3, H*W)
    src = m @ grid  # (N, 2, H*W): source x, y in the bordered image
    if field is not None:
        src += field
    corner = np.floor(src)
    frac = (src - corner).astype(dtype, copy=False)
    fx, fy = frac[:, 0], frac[:, 1]
    np.clip(corner[:, 0], 0, w, out=corner[:, 0])
    np.clip(corner[:, 1], 0, h, out=corner[:, 1])
    stride = w + 2
    # Index of each sample's top-left source pixel in the whole bordered batch, flattened
    # (within a letter in float32, exact up to 2^24 pixels; across letters in integers).
    index = (corner[:, 1] * stride + corner[:, 0]).astype(np.intp)
    index += np.arange(0, n * (h + 2) * stride, (h + 2) * stride)[:, None]
    padded = np.zeros((n, h + 2, w + 2), dtype)
    padded[:, 1:-1, 1:-1] = x[:, 0]
    flat = padded.reshape(-1)
    top, bottom = flat.take(index), flat.take(index + stride)
    top += fx * (flat.take(index + 1) - top)  # along x, then between the two rows
    bottom += fx * (flat.take(index + stride + 1) - bottom)
    out = top + fy * (bottom - top)
    return out.reshape(n, 1, h, w).astype(dtype, copy=False)


def _shifted_extreme(x: np.ndarray, op) -> np.ndarray:
    """op (np.maximum / np.minimum) of each pixel and its 4 neighbours, edges padded with 0."""
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = op(p[:, 1:-1, 1:-1], p[:, :-2, 1:-1])
    for s in (p[:, 2:, 1:-1], p[:, 1:-1, :-2], p[:, 1:-1, 2:]):
        op(out, s, out=out)
    return out


@functools.cache
def _resize_matrix(src: int, dst: int) -> np.ndarray:
    """(dst, src) area-averaging matrix: row i averages the source cells under output cell i."""
    edges = np.linspace(0, src, dst + 1)
    m = np.zeros((dst, src))
    for i in range(dst):
        for j in range(src):
            m[i, j] = max(0.0, min(edges[i + 1], j + 1) - max(edges[i], j))
    return m / m.sum(axis=1, keepdims=True)


@functools.cache
def _upsample_matrix(src: int, dst: int, blocky: bool) -> np.ndarray:
    """(dst, src) matrix enlarging `src` pixels to `dst`: nearest (blocky) or bilinear (soft)."""
    up = np.zeros((dst, src))
    rows = np.arange(dst)
    if blocky:
        up[rows, np.minimum(rows * src // dst, src - 1)] = 1.0
        return up
    centres = (rows + 0.5) * src / dst - 0.5
    j0 = np.clip(np.floor(centres).astype(int), 0, src - 1)
    j1 = np.minimum(j0 + 1, src - 1)
    f = np.clip(centres - j0, 0, 1)
    up[rows, j0] += 1 - f
    up[rows, j1] += f
    return up


def _thicken(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each (k, H, W) letter drawn with a pen one to three pixels wider: 1-3 grey dilations."""
    out = img.copy()
    times = rng.integers(1, 4, len(img))
    for t in range(1, 4):
        mask = times >= t
        out[mask] = _shifted_extreme(out[mask], np.maximum)
    return out


def _gaussian_blur(img: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Each (k, H, W) letter blurred by a Gaussian of its own sigma (pixels), edges dark."""
    k, h, w = img.shape
    r = np.arange(-4, 5)
    g = np.exp(-r[None, :] ** 2 / (2 * sigma[:, None] ** 2))
    g /= g.sum(axis=1, keepdims=True)  # (k, 9)
    p = np.pad(img, ((0, 0), (4, 4), (4, 4)))
    rows = sum(g[:, i, None, None] * p[:, i:i + h, :] for i in range(9))
    return sum(g[:, i, None, None] * rows[:, :, i:i + w] for i in range(9))


def scanned_pens(x: np.ndarray, rng: np.random.Generator, p: float = 0.3) -> np.ndarray:
    """A new batch where a share `p` of the letters look written with a thick felt pen and
    scanned: strokes 1-3 pixels bolder, then half of them blurred (sigma 0.6-1.6 pixels).

    x: (N, 1, H, W) float in [0, 1]; peak ink stays 1. Scanned forms are written with thicker,
    blurrier pens than tablets and the paper photos of the development sets.
    """
    out = x.copy()
    picked = np.flatnonzero(rng.random(len(x)) < p)
    if len(picked) == 0:
        return out
    img = _thicken(out[picked, 0].astype(np.float64), rng)
    blur = rng.random(len(img)) < 0.5
    if blur.any():
        img[blur] = _gaussian_blur(img[blur], rng.uniform(0.6, 1.6, blur.sum()))
    peak = img.reshape(len(img), -1).max(axis=1)
    img /= np.where(peak > 1e-6, peak, 1.0)[:, None, None]
    out[picked, 0] = np.clip(img, 0, 1)
    return out


def degrade(x: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """A new batch where a share `p` of the letters look scanned, photographed or drawn with
    another pen: thinner or bolder strokes, low resolution shown blocky or soft, faint or
    uneven ink, a little blur. Each effect is drawn independently per letter; peak ink stays 1.

    x: (N, 1, H, W) float in [0, 1]. Real letters from paper and from small touch screens differ
    from clean pen strokes in exactly these ways.
    """
    n, _, h, w = x.shape
    out = x.copy()
    picked = np.flatnonzero(rng.random(n) < p)
    if len(picked) == 0:
        return out
    img = out[picked, 0].astype(np.float64)
    k = len(img)

    def some(share):
        return rng.random(k) < share

    # Stroke width: blend towards the grey dilation (bolder) or erosion (thinner).
    bold, thin = some(0.3), some(0.25)
    thin &= ~bold
    for mask, op in ((bold, np.maximum), (thin, np.minimum)):
        if mask.any():
            t = rng.uniform(0.3, 0.9, mask.sum())[:, None, None]
            img[mask] += t * (_shifted_extreme(img[mask], op) - img[mask])
    # Low resolution: area-average down to 11..19 pixels, back up blocky or bilinear-soft.
    low = some(0.35)
    for i in np.flatnonzero(low):
        s = int(rng.integers(11, 20))
        down = _resize_matrix(h, s)
        small = down @ img[i] @ down.T
        up = _upsample_matrix(s, h, blocky=rng.random() < 0.6)
        img[i] = up @ small @ up.T
    # Faint or uneven ink: a gamma curve, and a smooth brightness ramp across the letter.
    gamma = some(0.4)
    if gamma.any():
        g = np.exp(rng.normal(0.0, 0.45, gamma.sum()))[:, None, None]
        img[gamma] = np.clip(img[gamma], 0, None) ** g
    ramp = some(0.25)
    if ramp.any():
        yy, xx = np.mgrid[0:h, 0:w] / max(h, w) - 0.5
        a = rng.normal(0, 0.8, (ramp.sum(), 2))
        img[ramp] *= np.clip(1 + a[:, :1, None] * yy + a[:, 1:, None] * xx, 0.3, 1.5)
    blur = some(0.15) & ~low
    if blur.any():
        b = img[blur]
        p_ = np.pad(b, ((0, 0), (1, 1), (1, 1)))
        b = (p_[:, :-2] + 2 * p_[:, 1:-1] + p_[:, 2:]) / 4
        img[blur] = (b[:, :, :-2] + 2 * b[:, :, 1:-1] + b[:, :, 2:]) / 4
    peak = img.reshape(k, -1).max(axis=1)
    img /= np.where(peak > 1e-6, peak, 1.0)[:, None, None]
    out[picked, 0] = np.clip(img, 0, 1)
    return out


def compose(affine: bool, degrade_share: float = 0.0, elastic: float = 0.0,
            scanned_share: float = 0.0):
    """The batch augmentation `fit` takes: degrade a share of letters, draw a share with thick
    blurred pens, then warp them all (affine, plus an elastic bend of `elastic` pixels)."""

    def augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if degrade_share > 0:
            x = degrade(x, rng, degrade_share)
        if scanned_share > 0:
            x = scanned_pens(x, rng, scanned_share)
        if affine or elastic > 0:
            kw = {} if affine else {"rotate_deg": 0.0, "scale": 0.0, "shear": 0.0, "shift": 0.0}
            x = random_affine(x, rng, elastic=elastic, **kw)
        return x

    return augment
