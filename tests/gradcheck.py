"""Central finite differences in float64, for the gradient checks."""

import numpy as np


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6, max_entries: int | None = None,
                 rng: np.random.Generator | None = None):
    """Numerical d f() / d x at (up to max_entries random) entries of x, changed in place."""
    flat = x.reshape(-1)
    idx = np.arange(flat.size)
    if max_entries is not None and flat.size > max_entries:
        idx = (rng or np.random.default_rng(0)).choice(flat.size, max_entries, replace=False)
    out = np.zeros(len(idx))
    for n, i in enumerate(idx):
        old = flat[i]
        flat[i] = old + eps
        hi = f()
        flat[i] = old - eps
        lo = f()
        flat[i] = old
        out[n] = (hi - lo) / (2 * eps)
    return idx, out


def assert_close(analytic: np.ndarray, idx: np.ndarray, numeric: np.ndarray, tol: float = 1e-6):
    a = analytic.reshape(-1)[idx]
    scale = max(1.0, np.abs(numeric).max())
    err = np.abs(a - numeric).max() / scale
    assert err < tol, f"gradient mismatch: max relative error {err:.3g}"
