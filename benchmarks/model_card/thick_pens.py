"""Held-out letters redrawn as if written with a thick felt pen and scanned (every letter, with
the training's own `scanned_pens`), read by two models: how much a thick, blurred pen costs
each. A check of the augmentation, not an unseen test.

    python benchmarks/model_card/thick_pens.py OLD.npz NEW.npz val-a.npz val-b.npz ...
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from cnn import checkpoint  # noqa: E402
from cnn.augment import scanned_pens  # noqa: E402
from cnn.runs.sources import load_file  # noqa: E402
from cnn.train import predict_proba  # noqa: E402

models = {p: checkpoint.load(p)[0] for p in sys.argv[1:3]}
for path in sys.argv[3:]:
    s = load_file(path)
    x = s.x.astype(np.float32)[:, None] / 255
    thick = scanned_pens(x, np.random.default_rng(0), p=1.0)
    row = [f"{s.source or path:<22} {len(s):5d}"]
    for name, m in models.items():
        for label, batch in (("as is", x), ("thick", thick)):
            acc = (predict_proba(m, batch[:, 0]).argmax(1) == s.y).mean()
            row.append(f"{Path(name).stem} {label} {acc:.1%}")
    print("  ".join(row))
