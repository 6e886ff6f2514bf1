"""`python -m cnn train | evaluate | export | bench | folds`: the engine from a terminal."""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from cnn import checkpoint
from cnn.data import LETTERS, DataError, LetterSet, combine, load_npz, save_npz, split
from cnn.model import PRESETS, build_model
from cnn.optim import make_optimizer
from cnn.paths import DEFAULT_MODEL
from cnn.train import TrainingDiverged, evaluate, fit


def _arch(value: str):
    """A preset name, or a path to a JSON file holding an architecture spec."""
    if value in PRESETS:
        return value
    path = Path(value)
    if path.suffix == ".json" and path.exists():
        return json.loads(path.read_text())
    raise argparse.ArgumentTypeError(
        f"{value!r} is neither a preset ({', '.join(PRESETS)}) nor a .json spec file")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cnn", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and save a checkpoint")
    t.add_argument("--data", action="append", default=[], metavar="FILE.npz",
                   help="letter set (.npz with x, y; optional writer, case); repeatable")
    t.add_argument("--emnist", action="append", default=[], metavar="IMAGES",
                   help="EMNIST letters images file (idx, optionally .gz); repeatable")
    t.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="add N synthetic letters drawn from stroke fonts (cached)")
    t.add_argument("--synthetic-seed", type=int, default=0)
    t.add_argument("--user-samples", nargs="?", const="", default=None, metavar="FOLDER",
                   help="add the letters saved from the app (default: the user's data folder)")
    t.add_argument("--repeat-real", type=int, default=1, metavar="K",
                   help="show the non-synthetic training letters K times per epoch (default 1)")
    t.add_argument("--redraw", type=int, default=0, metavar="K",
                   help="also train on K copies of every training letter that has pen strokes "
                        "(such as chars74k_hnd.npz, your samples), drawn again by the synthetic "
                        "hand (default 0)")
    t.add_argument("--val-data", action="append", default=[], metavar="FILE.npz",
                   help="validate on these files instead of a split of the training data")
    t.add_argument("--val-fraction", type=float, default=0.1,
                   help="share held out for validation, whole writers where known (default 0.1)")
    t.add_argument("--save-val", metavar="FILE.npz", help="also write the validation set here")
    t.add_argument("--arch", type=_arch, default="default",
                   help=f"preset ({', '.join(PRESETS)}) or a .json spec (default: default)")
    t.add_argument("--init", type=float, default=None, metavar="STD",
                   help="Gaussian init standard deviation (default: He scaling)")
    t.add_argument("--from", dest="start_from", metavar="MODEL.npz",
                   help="fine-tune this model instead of starting from scratch")
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=None,
                   help="learning rate (default 0.001 for adam, 0.05 for sgd)")
    t.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    t.add_argument("--momentum", type=float, default=0.9)
    t.add_argument("--weight-decay", type=float, default=0.0)
    t.add_argument("--lr-decay", type=float, default=1.0,
                   help="multiply the learning rate by this after every epoch (default 1)")
    t.add_argument("--augment", action="store_true",
                   help="random small rotations, scales, shears and shifts of each batch")
    t.add_argument("--elastic", type=float, default=0.0, metavar="PIXELS",
                   help="also bend each letter by a smooth random field of about this many "
                        "pixels (default 0: off)")
    t.add_argument("--degrade", type=float, default=0.0, metavar="SHARE",
                   help="this share (0..1) of each batch drawn bolder or thinner, at low "
                        "resolution, with faint or uneven ink, or blurred (default 0)")
    t.add_argument("--label-smoothing", type=float, default=0.0, metavar="S",
                   help="train towards 1 - S on the right letter and S spread over all 26, "
                        "instead of certainty (default 0: plain cross-entropy)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--name", default=None, help="model name shown in the app")
    t.add_argument("--out", required=True, metavar="MODEL.npz")

    e = sub.add_parser("evaluate", help="accuracy, per-class accuracy and confusion matrix")
    e.add_argument("--model", metavar="MODEL.npz",
                   help="the model to evaluate (default: the shipped model)")
    e.add_argument("--data", action="append", required=True, metavar="FILE.npz")
    e.add_argument("--json", action="store_true", help="print one JSON object")

    x = sub.add_parser("export", help="write a model for other tools (ONNX)")
    x.add_argument("--onnx", required=True, metavar="MODEL.onnx",
                   help="write an ONNX graph here (needs: pip install \"letterlens[onnx]\")")
    x.add_argument("--model", metavar="MODEL.npz",
                   help="the model to export (default: the shipped model)")

    b = sub.add_parser("bench", help="training and inference speed, against PyTorch if present")
    b.add_argument("--arch", action="append", choices=sorted(PRESETS),
                   help="preset to measure; repeatable (default: all)")
    b.add_argument("--rounds", type=int, default=7)
    b.add_argument("--json", action="store_true")

    f = sub.add_parser("folds", help="write k writer-disjoint train/validation files")
    f.add_argument("--data", required=True, metavar="FILE.npz")
    f.add_argument("--k", type=int, default=5)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--out", required=True, metavar="FOLDER")
    return p


# --- train -------------------------------------------------------------------------------------

def _sources(args) -> tuple[list[LetterSet], list[LetterSet]]:
    """(sets to split for validation, synthetic sets that only ever train)."""
    sets = [load_npz(path) for path in args.data]
    if args.emnist:
        from cnn.emnist import load_emnist

        sets += [load_emnist(path) for path in args.emnist]
    if args.user_samples is not None:
        from cnn.samples import SampleStore

        sets.append(SampleStore(args.user_samples or None).to_letterset())
    synthetic = []
    if args.synthetic:
        from cnn.synthetic import load_or_generate

        _log(f"synthetic letters: {args.synthetic:,} (generated once, then cached)")
        synthetic.append(LetterSet(**load_or_generate(args.synthetic, seed=args.synthetic_seed),
                                   source="synthetic"))
    sets = [s for s in sets if len(s)]
    if not sets and not synthetic:
        raise DataError("no training data: give --data, --emnist, --synthetic or --user-samples")
    return sets, synthetic


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _bar(item, width: int = 24) -> str:
    frac = ((item.epoch - 1) * item.steps_per_epoch + item.step) / (item.epochs *
                                                                    item.steps_per_epoch)
    filled = int(frac * width)
    secs = int(min(item.eta_s, 359999))
    eta = f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    return (f"\repoch {item.epoch}/{item.epochs} [{'#' * filled}{'.' * (width - filled)}] "
            f"{frac:4.0%}  {item.samples_per_s:7,.0f} samples/s  ETA {eta}  "
            f"loss {item.loss:.3f}  acc {item.accuracy:6.1%}")


def train(args) -> int:
    if not 0.0 <= args.degrade <= 1.0:
        raise ValueError(f"--degrade must be between 0 and 1, got {args.degrade}")
    if not 0.0 <= args.elastic <= 5.0:
        raise ValueError(f"--elastic must be between 0 and 5 pixels, got {args.elastic}")
    if args.redraw < 0:
        raise ValueError(f"--redraw must be 0 or more, got {args.redraw}")
    if not 0.0 <= args.label_smoothing < 1.0:
        raise ValueError(f"--label-smoothing must be at least 0 and below 1, "
                         f"got {args.label_smoothing}")
    rng = np.random.default_rng(args.seed)
    real, synthetic = _sources(args)
    sets = real + synthetic
    if args.val_data:
        real_train, val_set = combine(real) if real else None, combine(
            [load_npz(p) for p in args.val_data])
    elif real:
        # Validation is real handwriting only, whole writers where known; synthetic always trains.
        real_train, val_set = split(combine(real), args.val_fraction, rng)
    else:
        real_train = None
        synthetic[0], val_set = split(synthetic[0], args.val_fraction, rng)
    if args.repeat_real < 1:
        raise ValueError(f"--repeat-real must be at least 1, got {args.repeat_real}")
    parts = ([real_train] * args.repeat_real if real_train is not None else []) + synthetic
    if args.redraw and real_train is not None:
        from cnn.synthetic import redraw

        redrawn = redraw(real_train, args.redraw, seed=args.seed)
        _log(f"  redrawn from pen strokes: {len(redrawn):,} letters "
             f"({args.redraw} per training letter with strokes)")
        if len(redrawn):
            parts.append(redrawn)
    train_set = combine(parts)
    if args.save_val and len(val_set):
        save_npz(val_set, args.save_val)
    for s in sets:
        _log(f"  {s.source or 'data'}: {len(s):,} letters")
    _log(f"training on {len(train_set):,} letters, validating on {len(val_set):,}"
         + (" (writer-disjoint where writers are known)" if not args.val_data else ""))

    if args.start_from:
        model, base_meta = checkpoint.load(args.start_from)
        history = list(base_meta.get("history", []))
    else:
        model = build_model(args.arch, rng, init_std=args.init)
        history = []
    lr = args.lr if args.lr is not None else (0.001 if args.optimizer == "adam" else 0.05)
    opt = make_optimizer(args.optimizer, lr, args.momentum, args.weight_decay)
    augment = None
    if args.augment or args.degrade or args.elastic:
        from cnn.augment import compose

        augment = compose(args.augment, args.degrade, args.elastic)
    _log(f"model: {model.num_parameters():,} parameters; {opt!r}")

    t0 = time.perf_counter()
    last_draw = 0.0
    val = (val_set.x, val_set.y) if len(val_set) else None
    try:
        for item in fit(model, train_set.x, train_set.y, val=val, epochs=args.epochs,
                        batch_size=args.batch_size, optimizer=opt, rng=rng, augment=augment,
                        label_smoothing=args.label_smoothing):
            now = time.perf_counter()
            if item.kind == "step" and (now - last_draw > 0.1 or item.step == item.steps_per_epoch):
                print(_bar(item), end="", file=sys.stderr, flush=True)
                last_draw = now
            elif item.kind == "epoch":
                entry = {"epoch": len(history) + 1, "loss": item.loss, "accuracy": item.accuracy,
                         "val_loss": item.val_loss, "val_accuracy": item.val_accuracy,
                         "lr": opt.lr, "seconds": round(now - t0, 1)}
                history.append(entry)
                val_text = ("" if item.val is None else
                            f" | val loss {item.val_loss:.3f} acc {item.val_accuracy:.2%}")
                _log(f"\nepoch {item.epoch}/{item.epochs}: loss {item.loss:.3f} "
                     f"acc {item.accuracy:.2%}{val_text}  ({now - t0:.0f} s)")
                opt.lr *= args.lr_decay
    except TrainingDiverged as e:
        _log(f"\n{e}\nThe last good weights are kept; nothing was saved.")
        return 1
    except KeyboardInterrupt:
        _log("\ninterrupted: nothing was saved")
        return 130
    elapsed = time.perf_counter() - t0

    final = evaluate(model, val_set.x, val_set.y) if len(val_set) else None
    meta = {
        "name": args.name or Path(args.out).stem,
        "arch": args.arch if isinstance(args.arch, str) else "custom",
        "data": {s.source or f"set{i}": len(s) for i, s in enumerate(sets)},
        "train_n": len(train_set),
        "val_n": len(val_set),
        "val_accuracy": None if final is None else final["accuracy"],
        "val_per_class": None if final is None else final["per_class"],
        "validation": ("given files" if args.val_data else
                       f"{args.val_fraction:.0%} held out, writer-disjoint where writers known"),
        "training": {"epochs": args.epochs, "batch_size": args.batch_size,
                     "optimizer": args.optimizer, "lr": lr, "lr_decay": args.lr_decay,
                     "momentum": args.momentum, "weight_decay": args.weight_decay,
                     "augment": args.augment, "degrade": args.degrade,
                     "elastic": args.elastic, "label_smoothing": args.label_smoothing,
                     "repeat_real": args.repeat_real, "redraw": args.redraw,
                     "synthetic": args.synthetic, "seed": args.seed, "init_std": args.init,
                     "seconds": round(elapsed, 1), "fine_tuned_from": args.start_from},
        "history": history,
        "command": "python -m cnn " + " ".join(sys.argv[1:]),
    }
    checkpoint.save(model, args.out, meta)
    acc = "" if final is None else f", validation accuracy {final['accuracy']:.2%}"
    _log(f"saved {args.out} ({elapsed:.0f} s of training{acc})")
    return 0


# --- evaluate ----------------------------------------------------------------------------------

def _confusion_text(conf: np.ndarray) -> str:
    lines = ["     " + " ".join(f"{c:>3}" for c in LETTERS)]
    for i, row in enumerate(conf):
        lines.append(f"  {LETTERS[i]}  " + " ".join(f"{v:>3}" if v else "  ." for v in row))
    return "\n".join(lines)


def evaluate_cmd(args) -> int:
    if args.model is None:
        args.model = str(DEFAULT_MODEL)
        _log(f"no --model given: evaluating the shipped model, {DEFAULT_MODEL}")
    model, meta = checkpoint.load(args.model)
    data = combine([load_npz(p) for p in args.data])
    r = evaluate(model, data.x, data.y)
    if args.json:
        print(json.dumps({"accuracy": r["accuracy"], "n": r["n"], "loss": r["loss"],
                          "per_class": dict(zip(LETTERS, r["per_class"], strict=True)),
                          "confusion": r["confusion"].tolist()}))
        return 0
    print(f"{meta.get('name', Path(args.model).stem)} on {', '.join(args.data)}")
    print(f"accuracy {r['accuracy']:.2%} on {r['n']:,} letters (mean loss {r['loss']:.3f})")
    print("per class: " + "  ".join(f"{c} {a:.0%}" if a is not None else f"{c} -"
                                    for c, a in zip(LETTERS, r["per_class"], strict=True)))
    off = r["confusion"].copy()
    np.fill_diagonal(off, 0)
    top = np.argsort(off, axis=None)[::-1][:8]
    pairs = [(LETTERS[i // 26], LETTERS[i % 26], off.flat[i]) for i in top if off.flat[i]]
    if pairs:
        print("most confused (true -> read as): "
              + ", ".join(f"{t}->{p} {n}" for t, p, n in pairs))
    print("confusion matrix (rows: true letter, columns: read as):")
    print(_confusion_text(r["confusion"]))
    return 0


# --- export ------------------------------------------------------------------------------------

def export_cmd(args) -> int:
    from cnn.onnx_export import OnnxUnavailable, export_onnx

    if args.model is None:
        args.model = str(DEFAULT_MODEL)
        _log(f"no --model given: exporting the shipped model, {DEFAULT_MODEL}")
    model, meta = checkpoint.load(args.model)
    try:
        written = export_onnx(model, args.onnx, str(meta.get("name") or Path(args.model).stem))
    except OnnxUnavailable as e:
        _log(f"error: {e}")
        return 2
    print(f"wrote {written} ({model.num_parameters():,} parameters; outputs logits and "
          "probabilities)")
    return 0


# --- folds -------------------------------------------------------------------------------------

def folds_cmd(args) -> int:
    from cnn.data import writer_folds

    data = load_npz(args.data)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(args.data).stem
    for i, (tr, va) in enumerate(writer_folds(data, args.k, np.random.default_rng(args.seed)), 1):
        save_npz(data.subset(tr), out / f"{stem}-fold{i}-train.npz")
        save_npz(data.subset(va), out / f"{stem}-fold{i}-val.npz")
        print(f"fold {i}: {len(tr):,} train, {len(va):,} validation "
              f"({len(np.unique(data.writer[va]))} writers held out)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            return train(args)
        if args.command == "evaluate":
            return evaluate_cmd(args)
        if args.command == "folds":
            return folds_cmd(args)
        if args.command == "export":
            return export_cmd(args)
        from cnn import bench

        bench.main(args.arch or sorted(PRESETS, key=list(PRESETS).index), args.json, args.rounds)
        return 0
    except (ValueError, OSError) as e:  # DataError and CheckpointError are ValueErrors
        print(f"error: {e}", file=sys.stderr)
        return 2
