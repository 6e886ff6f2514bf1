"""Leave one source out: how a model reads letters from hands and devices it never saw.

For each development set, a model trained on the others (plus whatever the train arguments add,
such as synthetic letters) reads the held-out set through its stored bitmaps and, for sets with
pen strokes, through the app's stroke path (`preprocess_strokes`, as the canvas draws). The
report gives accuracy (upper and lower case apart), per-letter accuracy, the top confusions,
the expected calibration error and how the model splits the I / l bar.
"""

import numpy as np

from cnn.bars import I_CLASS, L_CLASS, bar_kinds
from cnn.calibration import ece
from cnn.data import LETTERS, LetterSet
from cnn.preprocess import preprocess_packed
from cnn.train import predict_proba

TOP_CONFUSIONS = 10


def stroke_images(letters: LetterSet) -> tuple[np.ndarray, np.ndarray]:
    """(x (M, 28, 28) uint8, idx (M,)): the letters that have pen strokes, drawn again from
    them exactly as the app's canvas draws a drawing (`preprocess_strokes`), and their indices."""
    idx, pts, lengths, counts = [], [], [], []
    for i, strokes in enumerate(letters.strokes or []):
        strokes = [np.asarray(s, np.float64) for s in strokes if len(s)]
        if not strokes:
            continue
        idx.append(i)
        pts += strokes
        lengths += [len(s) for s in strokes]
        counts.append(len(strokes))
    if not idx:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    images = preprocess_packed(np.concatenate(pts), lengths, counts)
    return np.rint(images * 255).astype(np.uint8), np.asarray(idx, np.int64)


def bar_split(probs: np.ndarray, kinds: np.ndarray, y: np.ndarray) -> dict:
    """Per kind of I / l letter: how many, how many truly l, the share read as I and as L
    (class L holds the lower-case l), and the mean probabilities of I and L."""
    out = {}
    for kind in ("bar", "serifed I", "looped l"):
        m = kinds == kind
        if not m.any():
            continue
        pred = probs[m].argmax(axis=1)
        out[kind] = {"n": int(m.sum()), "true_l": int((y[m] == L_CLASS).sum()),
                     "read_I": float((pred == I_CLASS).mean()),
                     "read_L": float((pred == L_CLASS).mean()),
                     "p_I": float(probs[m, I_CLASS].mean()),
                     "p_L": float(probs[m, L_CLASS].mean())}
    return out


def measure(probs: np.ndarray, letters: LetterSet, x: np.ndarray | None = None) -> dict:
    """Every figure of the report for `letters` read with `probs` (N, 26); `x` the images the
    model read (default: the stored bitmaps), for telling bare bars from the rest."""
    y, case = letters.y, letters.case
    pred = probs.argmax(axis=1)
    right = pred == y
    conf = np.zeros((len(LETTERS), len(LETTERS)), np.int64)
    np.add.at(conf, (y, pred), 1)
    off = conf.copy()
    np.fill_diagonal(off, 0)
    top = np.argsort(off, axis=None, kind="stable")[::-1][:TOP_CONFUSIONS]
    support = conf.sum(axis=1)
    return {
        "n": len(y),
        "accuracy": float(right.mean()),
        "upper": float(right[case == 0].mean()) if (case == 0).any() else None,
        "lower": float(right[case == 1].mean()) if (case == 1).any() else None,
        "per_letter": {c: float(conf[i, i] / support[i]) if support[i] else None
                       for i, c in enumerate(LETTERS)},
        "confusions": [(LETTERS[i // 26], LETTERS[i % 26], int(off.flat[i]))
                       for i in top if off.flat[i]],
        "ece": ece(probs, y),
        "bars": bar_split(probs, bar_kinds(letters.x if x is None else x, y, case), y),
    }


def read_set(model, letters: LetterSet) -> dict[str, dict]:
    """{'bitmaps': figures} and, when the set has pen strokes, {'strokes': figures}."""
    out = {"bitmaps": measure(predict_proba(model, letters.x), letters)}
    x, idx = stroke_images(letters)
    if len(idx):
        drawn = letters.subset(idx)
        out["strokes"] = measure(predict_proba(model, x), drawn, x)
    return out


def _pct(v) -> str:
    return "-" if v is None else f"{v:.1%}"


def format_figures(name: str, path: str, m: dict) -> str:
    """A few lines of text for one set read one way."""
    lines = [f"{name} through {path}: {_pct(m['accuracy'])} of {m['n']:,} letters "
             f"(upper {_pct(m['upper'])}, lower {_pct(m['lower'])}), ECE {m['ece']:.1%}",
             "  per letter: " + " ".join(f"{c} {v:.0%}" for c, v in m["per_letter"].items()
                                         if v is not None),
             "  top confusions (true->read): " + ", ".join(f"{t}->{p} {n}"
                                                          for t, p, n in m["confusions"])]
    for kind, b in m["bars"].items():
        lines.append(f"  {kind}: {b['n']} ({b['true_l']} truly l), read I {b['read_I']:.0%}, "
                     f"L {b['read_L']:.0%}; mean p(I) {b['p_I']:.2f}, p(L) {b['p_L']:.2f}")
    return "\n".join(lines)


def summary_table(results: dict[str, dict[str, dict]]) -> str:
    """One line per held-out set: accuracy and ECE through bitmaps and strokes."""
    lines = [f"{'held out':<16} {'bitmaps':>8} {'ECE':>6} {'strokes':>8} {'ECE':>6}"]
    for name, paths in results.items():
        cells = []
        for path in ("bitmaps", "strokes"):
            m = paths.get(path)
            cells += [f"{_pct(m and m['accuracy']):>8}", f"{_pct(m and m['ece']):>6}"]
        lines.append(f"{name:<16} " + " ".join(cells))
    return "\n".join(lines)
