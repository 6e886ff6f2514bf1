"""Letter forms hands write that the stroke fonts lack, as strokes for the synthetic generator.

Type faces draw one form of each letter; schools around the world teach others: a J with a
bar on top, a G whose spur turns into a small r, an r like a table (Π), an f whose head
curls back to its stem, a c or C whose ends curl or trail off, a g like a 9, an n that starts
with an upstroke. Each form is a tuple of strokes, (n, 2) float arrays of x, y (y down) in
any box: the generator centres and scales them like the font glyphs.
"""

import numpy as np


def _line(*points) -> np.ndarray:
    """A polyline through the points, corners kept sharp."""
    pts = np.asarray(points, np.float64)
    out = [np.linspace(a, b, max(2, int(np.ceil(np.linalg.norm(b - a) / 0.02))), endpoint=False)
           for a, b in zip(pts[:-1], pts[1:], strict=True)]
    return np.concatenate(out + [pts[-1:]])


def _curve(*points, per: int = 12) -> np.ndarray:
    """A smooth (Catmull-Rom) curve through the points, `per` samples per span."""
    p = np.asarray(points, np.float64)
    p = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    t = np.linspace(0, 1, per, endpoint=False)[:, None]
    spans = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1 : i + 3]
        spans.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                            + (3 * p1 - p0 - 3 * p2 + p3) * t**3))
    return np.concatenate(spans + [p[-2:-1]])


def _join(*parts) -> np.ndarray:
    """One stroke made of pieces drawn without lifting the pen."""
    return np.concatenate(parts)


# The C shapes, shared by C and c: a curl turning in at the top end, and a tail trailing off
# along the bottom.
_C_CURL = (_curve((0.6, 0.3), (0.8, 0.24), (0.74, 0.05), (0.5, 0.0), (0.18, 0.14), (0.04, 0.52),
                  (0.2, 0.88), (0.52, 1.0), (0.86, 0.9)),)
_C_TAIL = (_curve((0.82, 0.12), (0.52, 0.0), (0.16, 0.18), (0.04, 0.56), (0.22, 0.92),
                  (0.58, 1.0), (1.05, 0.97)),)

FORMS: dict[str, tuple[tuple[np.ndarray, ...], ...]] = {
    "C": (_C_CURL, _C_TAIL),
    "c": (_C_CURL, _C_TAIL),
    "G": (
        # Spur turned into a small r: the bowl comes up to the middle, then a hump to the right.
        (_join(_curve((0.72, 0.14), (0.45, 0.0), (0.12, 0.2), (0.02, 0.55), (0.18, 0.9),
                      (0.45, 0.98), (0.6, 0.8)),
               _curve((0.6, 0.8), (0.62, 0.55), (0.78, 0.5), (0.94, 0.62), (1.0, 0.98))),),
        # The bowl curls into the middle like a spiral.
        (_curve((0.8, 0.16), (0.5, 0.0), (0.15, 0.15), (0.0, 0.52), (0.2, 0.9), (0.55, 1.0),
                (0.82, 0.78), (0.72, 0.52), (0.48, 0.5), (0.42, 0.66)),),
        # A bar from the middle to the right, then straight down past the bowl.
        (_curve((0.8, 0.12), (0.5, 0.0), (0.15, 0.15), (0.0, 0.5), (0.15, 0.88), (0.5, 1.0),
                (0.82, 0.85)),
         _line((0.5, 0.52), (0.85, 0.52), (0.85, 1.12))),
    ),
    "J": (
        (_line((0.05, 0.0), (0.95, 0.0)),
         _join(_line((0.6, 0.0), (0.6, 0.75)),
               _curve((0.6, 0.75), (0.5, 0.96), (0.28, 1.0), (0.1, 0.82)))),
        (_join(_line((0.08, 0.02), (0.62, 0.0)),
               _curve((0.62, 0.0), (0.64, 0.5), (0.6, 0.82), (0.42, 1.0), (0.15, 0.95),
                      (0.12, 0.75), (0.3, 0.72))),),
    ),
    "f": (
        # The head curls back to the stem, closing a small loop.
        (_join(_line((0.4, 1.0), (0.4, 0.12)),
               _curve((0.4, 0.12), (0.55, 0.0), (0.8, 0.06), (0.76, 0.28), (0.4, 0.32))),
         _line((0.12, 0.46), (0.72, 0.46))),
    ),
    "g": (
        # A closed bowl, then a straight stem down from its right side, a short flick at the foot.
        (_join(_curve((0.78, 0.1), (0.5, 0.0), (0.2, 0.08), (0.08, 0.3), (0.22, 0.5),
                      (0.52, 0.52), (0.78, 0.36), (0.8, 0.06)),
               _line((0.8, 0.06), (0.78, 0.92)),
               _curve((0.78, 0.92), (0.66, 1.0), (0.5, 0.97))),),
        # Like a 9: the stem comes straight down with no hook.
        (_join(_curve((0.8, 0.2), (0.55, 0.0), (0.22, 0.06), (0.12, 0.3), (0.3, 0.48),
                      (0.62, 0.44), (0.82, 0.22)),
               _line((0.82, 0.22), (0.74, 1.0))),),
        # The tail sweeps left and back up into a loop across the stem, as in joined writing.
        (_join(_curve((0.8, 0.12), (0.5, 0.0), (0.18, 0.1), (0.1, 0.32), (0.3, 0.48),
                      (0.6, 0.46), (0.8, 0.26), (0.8, 0.06)),
               _curve((0.8, 0.06), (0.8, 0.5), (0.74, 0.86), (0.5, 1.0), (0.28, 0.92),
                      (0.34, 0.72), (0.9, 0.6))),),
    ),
    "n": (
        # The pen comes in with an upstroke at the top of the stem before the arch.
        (_join(_line((0.0, 0.18), (0.14, 0.0), (0.14, 1.0), (0.14, 0.3)),
               _curve((0.14, 0.3), (0.4, 0.04), (0.7, 0.04), (0.84, 0.3), (0.86, 1.0))),),
    ),
    "r": (
        # Like a table: stem, top, and a right leg that swings out at the foot.
        (_join(_line((0.1, 1.0), (0.08, 0.04), (0.78, 0.0)),
               _curve((0.78, 0.0), (0.8, 0.55), (0.9, 0.85), (1.05, 1.0))),),
        (_line((0.08, 1.0), (0.1, 0.02), (0.86, 0.04), (0.9, 1.0)),),
        # A stem with a hook that curls down into a loop.
        (_join(_line((0.12, 1.0), (0.12, 0.0), (0.12, 0.25)),
               _curve((0.12, 0.25), (0.45, 0.02), (0.82, 0.12), (0.8, 0.5), (0.52, 0.58),
                      (0.44, 0.38))),),
    ),
}
