"""`python -m cnn clean | calibrate`: drop the letters a model finds mislabelled; fit a
temperature so that the model's probabilities mean what they say."""

import numpy as np

from cnn import checkpoint
from cnn.cli_train import log
from cnn.data import LETTERS, combine, load_npz, require_letters, save_npz
from cnn.fileio import check_not_input
from cnn.paths import DEFAULT_MODEL
from cnn.train import logits, predict_proba


def add_parsers(sub) -> None:
    c = sub.add_parser("clean", help="drop the letters a model is most sure are mislabelled")
    c.add_argument("--model", required=True, metavar="MODEL.npz",
                   help="a model that never trained on --data")
    c.add_argument("--data", required=True, metavar="FILE.npz")
    c.add_argument("--drop", type=float, default=0.03, metavar="SHARE",
                   help="share of letters to drop, lowest probability of their label first "
                        "(default 0.03)")
    c.add_argument("--out", required=True, metavar="FILE.npz")

    k = sub.add_parser("calibrate", help="fit a temperature on held-out letters, fold it into "
                                         "the last layer and save the model")
    k.add_argument("--model", required=True, metavar="MODEL.npz")
    k.add_argument("--data", action="append", required=True, metavar="FILE.npz",
                   help="held-out real letters (writers the model never saw); repeatable")
    k.add_argument("--out", required=True, metavar="MODEL.npz")


def clean_cmd(args) -> int:
    from cnn.noise import suspects

    check_not_input(args.out, "--out", [("--data", args.data), ("--model", args.model),
                                        ("the shipped model", DEFAULT_MODEL)])
    model, _ = checkpoint.load(args.model)
    letters = require_letters(load_npz(args.data), args.data)
    probs = predict_proba(model, letters.x)
    dropped = suspects(probs, letters.y, args.drop)
    keep = np.setdiff1d(np.arange(len(letters)), dropped)
    save_npz(letters.subset(keep), args.out)
    read = probs[dropped].argmax(axis=1)
    pairs = {}
    for t, r in zip(letters.y[dropped], read, strict=True):
        pairs[(LETTERS[t], LETTERS[r])] = pairs.get((LETTERS[t], LETTERS[r]), 0) + 1
    most = sorted(pairs.items(), key=lambda kv: -kv[1])[:10]
    print(f"dropped {len(dropped):,} of {len(letters):,} letters; kept {len(keep):,} in "
          f"{args.out}")
    print("most dropped (label -> read as): " + ", ".join(f"{t}->{r} {n}"
                                                          for (t, r), n in most))
    return 0


def calibrate_cmd(args) -> int:
    from cnn.calibration import apply_temperature, ece, fit_temperature, nll
    from cnn.functional import softmax

    check_not_input(args.out, "--out", [("--data", p) for p in args.data])
    model, meta = checkpoint.load(args.model)
    letters = combine([require_letters(load_npz(p), p) for p in args.data])
    z = logits(model, letters.x).astype(np.float64)
    t = fit_temperature(z, letters.y)
    before, after = ece(softmax(z), letters.y), ece(softmax(z / t), letters.y)
    apply_temperature(model, t)
    previous = meta.get("temperature")
    meta = dict(meta, temperature=t * (previous if isinstance(previous, int | float) else 1.0),
                calibrated_on=[str(p) for p in args.data])
    checkpoint.save(model, args.out, meta)
    # The fit lowers the loss; the ECE, counted in bins of confidence, need not follow it.
    caveat = (" (it rose: the fit lowers the loss, which the ECE need not follow, least of all "
              "on few letters)" if after > before else "")
    log(f"temperature {t:.3f} fitted on {len(letters):,} letters: loss {nll(z, letters.y):.3f} "
        f"-> {nll(z, letters.y, t):.3f}, ECE {before:.1%} -> {after:.1%}{caveat}; "
        f"saved {args.out}")
    print(f"{t:.4f}")
    return 0
