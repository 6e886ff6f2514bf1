"""Split a saved validation set (`python -m cnn train --save-val val.npz`) back into its sources
by matching images, so each can be read on its own (e.g. with `python -m cnn lodo --model`).

    python benchmarks/model_card/split_val.py val.npz ../shared/data/chars74k_hnd.npz ...

writes val-<stem>.npz beside val.npz for every source file given.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from cnn.data import save_npz  # noqa: E402
from cnn.runs.sources import load_file  # noqa: E402

val = load_file(sys.argv[1])
owner = np.full(len(val), -1)
keys = [v.tobytes() for v in val.x]
for s, path in enumerate(sys.argv[2:]):
    seen = {x.tobytes() for x in load_file(path).x}
    for i, k in enumerate(keys):
        if owner[i] < 0 and k in seen:
            owner[i] = s
for s, path in enumerate(sys.argv[2:]):
    idx = np.flatnonzero(owner == s)
    part = val.subset(idx)
    part.source = Path(path).stem
    out = Path(sys.argv[1]).with_name(f"val-{Path(path).stem}.npz")
    save_npz(part, out)
    print(out, len(idx), "letters", "writers", len(np.unique(part.writer[part.writer >= 0])),
          "with strokes" if part.strokes is not None and any(len(s) for s in part.strokes) else "")
print("unmatched", int((owner < 0).sum()))
