"""A hand-drawn "R" for screenshots and the latency benchmark, in canvas pixels."""

import numpy as np

# Control points in a unit box (x right, y down): stem, bowl, leg; as a quick hand draws them.
_R = [
    [(0.30, 0.12), (0.29, 0.40), (0.30, 0.66), (0.31, 0.90)],
    [(0.28, 0.14), (0.45, 0.08), (0.62, 0.10), (0.71, 0.20), (0.70, 0.34), (0.60, 0.44),
     (0.45, 0.49), (0.32, 0.50)],
    [(0.44, 0.49), (0.54, 0.62), (0.64, 0.76), (0.74, 0.90)],
]


def _smooth(points: np.ndarray, per_segment: int) -> np.ndarray:
    """Catmull-Rom through the control points: the densely sampled path a mouse would give."""
    p = np.vstack([points[:1], points, points[-1:]])
    out = []
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * ((2 * p1) + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                          + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3))
    out.append(points[-1:])
    return np.concatenate(out)


def sample_strokes(width: float, height: float, per_segment: int = 12) -> list[np.ndarray]:
    """The sample "R" fitted into a width × height canvas, as (n, 2) float32 x, y strokes."""
    side = min(width, height) * 0.85
    ox, oy = (width - side) / 2, (height - side) / 2
    return [(_smooth(np.array(s, np.float64), per_segment) * side + (ox, oy)).astype(np.float32)
            for s in _R]
