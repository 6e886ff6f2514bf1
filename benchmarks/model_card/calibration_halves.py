"""Temperature fitted on half of the held-out writers, ECE measured on the other half (and back),
overall and per set. Letters of unknown writers are halved per letter.

    python benchmarks/model_card/calibration_halves.py MODEL.npz val-a.npz val-b.npz ...

MODEL is the model before calibration (no temperature folded in).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from cnn import checkpoint  # noqa: E402
from cnn.calibration import ece, fit_temperature  # noqa: E402
from cnn.data import combine  # noqa: E402
from cnn.functional import softmax  # noqa: E402
from cnn.runs.sources import load_file  # noqa: E402
from cnn.train import logits  # noqa: E402

model, _ = checkpoint.load(sys.argv[1])
parts = [load_file(p) for p in sys.argv[2:]]


rng = np.random.default_rng(0)
halves = [[], []]
for s in parts:
    w = s.writer.copy()
    unknown = w < 0
    w[unknown] = -1 - np.arange(unknown.sum())  # each unknown letter its own writer
    ids = rng.permutation(np.unique(w))
    first = np.isin(w, ids[: len(ids) // 2])
    halves[0].append(s.subset(np.flatnonzero(first)))
    halves[1].append(s.subset(np.flatnonzero(~first)))
# Each half's logits once, per set; a half's own are the sets' put together.
scores = [[logits(model, s.x).astype(np.float64) for s in h] for h in halves]
sets = [combine(h) for h in halves]
lg = [np.concatenate(z) for z in scores]
for a, b in ((0, 1), (1, 0)):
    t = fit_temperature(lg[a], sets[a].y)
    print(f"T fitted on half {a} ({len(sets[a])} letters) = {t:.3f}; half {b} ({len(sets[b])}): "
          f"ECE {ece(softmax(lg[b]), sets[b].y):.1%} -> {ece(softmax(lg[b] / t), sets[b].y):.1%}")
    for s, z in zip(halves[b], scores[b], strict=True):
        print(f"    {s.source:<16} {len(s):5d}: ECE {ece(softmax(z), s.y):.1%} -> "
              f"{ece(softmax(z / t), s.y):.1%}")
