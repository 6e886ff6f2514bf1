"""`python -m cnn lodo`: train without each set in turn and read it; or read every set with one
given model. Training goes through `python -m cnn train` with the arguments after `--`."""

import json
from pathlib import Path

import numpy as np

from cnn import checkpoint
from cnn.cli_train import log
from cnn.data import load_npz, require_letters, save_npz
from cnn.fileio import atomic_write
from cnn.lodo import format_figures, read_set, summary_table


def add_parser(sub) -> None:
    lo = sub.add_parser(
        "lodo", help="leave one source out: train without each set, read it (bitmaps, strokes)",
        description="For each --data set, train on the other sets (plus the train arguments "
                    "after --, e.g. -- --synthetic 20000 --epochs 5 --augment) and read the "
                    "held-out set through its bitmaps and, when it has pen strokes, through the "
                    "app's stroke path. With --model, read every set with that model instead.")
    lo.add_argument("--data", action="append", required=True, metavar="FILE.npz",
                    help="a development set; each is held out in turn (repeatable)")
    lo.add_argument("--model", metavar="MODEL.npz",
                    help="read every set with this model; no training")
    lo.add_argument("--out", metavar="FOLDER", help="where the models and lodo.json go")
    from cnn.cli import _count

    lo.add_argument("--limit", type=_count(0), default=0, metavar="N",
                    help="train on at most N letters of each set, drawn at random (default all)")
    lo.add_argument("--only", action="append", default=[], metavar="STEM",
                    help="hold out only this set (its file name without .npz); repeatable")
    lo.add_argument("--reuse", action="store_true",
                    help="read with a model already in --out instead of training it again")
    lo.add_argument("--seed", type=int, default=0)
    lo.add_argument("train_args", nargs="*", metavar="-- TRAIN ARGS",
                    help="arguments for python -m cnn train (after --)")


def _limited(path: str, limit: int, out: Path, rng) -> str:
    """`path`, or a file in `out` holding at most `limit` of its letters drawn at random."""
    letters = require_letters(load_npz(path), path)
    if not limit or len(letters) <= limit:
        return path
    picked = np.sort(rng.choice(len(letters), limit, replace=False))
    target = out / f"{Path(path).stem}-limit{limit}.npz"
    save_npz(letters.subset(picked), target)
    return str(target)


def _train_without(held: str, args, out: Path) -> Path:
    """Train on every set but `held` with the given train arguments; the model's path."""
    from cnn.cli import build_parser
    from cnn.cli_train import train

    target = out / f"lodo-{Path(held).stem}.npz"
    if args.reuse and target.exists():
        log(f"reading with {target} (--reuse)")
        return target
    rng = np.random.default_rng(args.seed)
    others = [_limited(p, args.limit, out, rng) for p in args.data if p != held]
    argv = ["train", *args.train_args]
    for path in others:
        argv += ["--data", path]
    # The held-out set only reports each epoch's accuracy: it chooses nothing.
    argv += ["--val-data", held, "--out", str(target), "--name", f"without {Path(held).stem}"]
    log("python -m cnn " + " ".join(argv))
    code = train(build_parser().parse_args(argv))
    if code != 0:
        raise ValueError(f"training without {held} failed (exit {code})")
    return target


def lodo_cmd(args) -> int:
    if args.model is None and not args.out:
        raise ValueError("lodo trains a model per held-out set: give --out FOLDER (or --model)")
    unknown = sorted(set(args.only) - {Path(p).stem for p in args.data})
    if unknown:
        raise ValueError(f"--only {', '.join(unknown)}: no --data set has that name (give a "
                         "file name without .npz)")
    out = Path(args.out) if args.out else None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out} is a file; give a folder for the models and lodo.json")
        out.mkdir(parents=True, exist_ok=True)
    results, models = {}, {}
    for held in args.data:
        stem = Path(held).stem
        if args.only and stem not in args.only:
            continue
        path = Path(args.model) if args.model else _train_without(held, args, out)
        model, _ = checkpoint.load(path)
        letters = require_letters(load_npz(held), held)
        results[stem] = read_set(model, letters)
        models[stem] = str(path)
        for way, figures in results[stem].items():
            print(format_figures(stem, way, figures), flush=True)
    print(summary_table(results))
    if out is not None:
        summary = {"models": models, "train_args": args.train_args, "limit": args.limit,
                   "results": results}
        text = json.dumps(summary, indent=1).encode()
        atomic_write(out / "lodo.json", lambda f: f.write(text))
    return 0
