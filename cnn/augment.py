"""Image augmentation for training batches: small random affine warps of (N, 1, 28, 28) images."""

import numpy as np


def random_affine(x: np.ndarray, rng: np.random.Generator, rotate_deg: float = 8.0,
                  scale: float = 0.08, shear: float = 0.12, shift: float = 1.5) -> np.ndarray:
    """A new batch, each image rotated, scaled, sheared and shifted at random (bilinear).

    x: (N, 1, H, W) float. Ranges are standard deviations (degrees, log-scale, shear factor,
    pixels), clipped at 2 sigma so letters stay readable.
    """
    n, _, h, w = x.shape
    dtype = x.dtype

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
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = np.mgrid[0:h, 0:w]
    grid = np.stack([xx.ravel() - cx, yy.ravel() - cy])  # (2, H*W)
    src = a @ grid  # (N, 2, H*W)
    sx = src[:, 0] + cx - t[:, :1]
    sy = src[:, 1] + cy - t[:, 1:]
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    fx, fy = (sx - x0).astype(dtype), (sy - y0).astype(dtype)
    padded = np.zeros((n, h + 2, w + 2), dtype)
    padded[:, 1:-1, 1:-1] = x[:, 0]
    x0 = np.clip(x0 + 1, 0, w)
    y0 = np.clip(y0 + 1, 0, h)
    flat = padded.reshape(n, -1)
    stride = w + 2
    base = y0 * stride + x0

    def at(offset):
        return np.take_along_axis(flat, base + offset, axis=1)

    out = ((at(0) * (1 - fx) + at(1) * fx) * (1 - fy)
           + (at(stride) * (1 - fx) + at(stride + 1) * fx) * fy)
    return out.reshape(n, 1, h, w).astype(dtype, copy=False)
