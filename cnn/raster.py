"""Round-pen strokes drawn into images: anti-aliased capsules, many images at once.

Each stroke segment is a capsule (a segment thickened by the pen's radius); a pixel's ink is
how far its centre lies inside the nearest capsule, ramped over one pixel. Work arrays are
reused between calls in a thread, because fresh memory pages cost more than the arithmetic.
"""

import threading

import numpy as np

_STEP = 4.0  # longest segment piece, in supersampled pixels: each is drawn on one disc of pixels


def pack(strokes) -> tuple[np.ndarray, np.ndarray]:
    """A list of (n, 2) strokes as one (P, 2) float64 array and (S,) points per stroke (>= 1)."""
    strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return np.zeros((0, 2)), np.zeros(0, np.intp)
    return np.concatenate(strokes), np.array([len(s) for s in strokes], np.intp)


def segment_index(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Point indices (ia, ib) of each segment of packed strokes, in order; a one-point stroke
    is a zero-length segment."""
    last = np.cumsum(lengths) - 1
    inner = np.ones(last[-1] + 1 if len(last) else 0, bool)
    inner[last] = False
    starts = inner.copy()
    starts[last[lengths == 1]] = True
    ia = np.flatnonzero(starts)
    return ia, np.where(inner[ia], ia + 1, ia)


_scratch = threading.local()
_SCRATCH_LIMIT = 1 << 22  # elements; larger work arrays are not kept between calls


def _work(name: str, shape, dtype=np.float32) -> np.ndarray:
    """A work array reused between calls in this thread: fresh memory pages cost more than
    the arithmetic that fills them."""
    size = int(np.prod(shape))
    buf = getattr(_scratch, name, None)
    if buf is None or buf.size < size or buf.dtype != dtype:
        buf = np.empty(size, dtype)
        if size <= _SCRATCH_LIMIT:
            setattr(_scratch, name, buf)
    return buf[:size].reshape(shape)


def capsules(a, b, radius, owner, count: int, shape) -> np.ndarray:
    """(count, H, W) float32 coverage of capsules (a[i], b[i], radius[i]) in image owner[i].

    a, b (m, 2) float32. Coverage ramps from 1 to 0 over pixel centres between radius - 0.5
    and radius + 0.5. The result is a work array: valid until the next call in this thread.
    """
    # Split segments into pieces no longer than _STEP, so that one disc of pixels holds each.
    pieces = np.maximum(np.ceil(np.linalg.norm(b - a, axis=1) / _STEP), 1).astype(np.intp)
    which = np.repeat(np.arange(len(a)), pieces)
    j = np.arange(len(which)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    t0 = (j / pieces[which]).astype(np.float32)[:, None]
    t1 = ((j + 1) / pieces[which]).astype(np.float32)[:, None]
    d = b[which] - a[which]
    a, b = a[which] + t0 * d, a[which] + t1 * d
    radius, owner = radius[which], owner[which]

    # Every pixel centre within radius + 0.5 of a piece lies within reach of its midpoint's
    # pixel: a disc of offsets (gx, gy) around it, on one flat axis so that the arithmetic
    # runs in long inner loops over reused memory.
    h, w = shape
    reach = float(radius.max()) + 0.5 + _STEP / 2 + 0.75
    n = int(np.ceil(reach))  # the disc's half-width
    g = np.arange(-n, n + 1, dtype=np.float32)
    disc = g[None, :] ** 2 + g[:, None] ** 2 <= reach**2
    gy, gx = np.broadcast_arrays(g[:, None], g[None, :])
    gx, gy = gx[disc], gy[disc]
    corner = np.floor((a + b) / 2).astype(np.intp)  # (m, 2) x, y
    # Discs wholly off the image draw nothing.
    on = ((corner >= -n) & (corner < [w + n, h + n])).all(1)
    if not on.all():
        a, b, radius, owner, corner = a[on], b[on], radius[on], owner[on], corner[on]
    m, nn = len(a), len(gx)

    ab = b - a
    inv = 1.0 / np.maximum((ab * ab).sum(1, keepdims=True), 1e-12)
    bx, by = ab[:, :1], ab[:, 1:]
    ux, uy = _work("ux", (m, nn)), _work("uy", (m, nn))  # pixel centre - a
    np.add((corner[:, :1] + 0.5 - a[:, :1]).astype(np.float32), gx, out=ux)
    np.add((corner[:, 1:] + 0.5 - a[:, 1:]).astype(np.float32), gy, out=uy)
    t, tmp = _work("t", (m, nn)), _work("tmp", (m, nn))
    np.multiply(ux, bx * inv, out=t)
    np.multiply(uy, by * inv, out=tmp)
    t += tmp
    np.clip(t, 0.0, 1.0, out=t)  # where along the piece the nearest point lies
    ux -= np.multiply(t, bx, out=tmp)
    uy -= np.multiply(t, by, out=tmp)
    d2 = np.multiply(ux, ux, out=t)
    d2 += np.multiply(uy, uy, out=tmp)  # squared distance to the piece

    # Nearest distance per pixel, on images with a margin that holds every kept disc.
    e = 2 * n
    hh, ww = h + 2 * e, w + 2 * e
    base = ((owner[:, None] * hh + corner[:, 1:] + e) * ww + corner[:, :1] + e).astype(np.intp)
    idx = np.add(base, (gy * ww + gx).astype(np.intp), out=_work("idx", (m, nn), np.intp))
    best = _work("best", (count, hh, ww))
    best.fill(np.inf)
    np.minimum.at(best.reshape(-1), idx.reshape(-1), d2.reshape(-1))
    out = best[:, e : e + h, e : e + w]
    np.sqrt(out, out=out)
    r = np.zeros(count, np.float32)  # each image's pen: all its segments share it
    r[owner] = radius
    np.subtract(r[:, None, None] + 0.5, out, out=out)
    return np.clip(out, 0.0, 1.0, out=out)
