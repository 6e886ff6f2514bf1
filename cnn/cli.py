"""`python -m cnn train | evaluate | export | bench | folds | lodo | clean | calibrate`: the
engine from a terminal."""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from cnn import checkpoint
from cnn.bars import L_SHARE_OF_BARS
from cnn.cli_train import log, train
from cnn.data import LETTERS, combine, load_npz, require_letters, save_npz
from cnn.fileio import check_not_input
from cnn.model import PRESETS, build_model
from cnn.paths import DEFAULT_MODEL
from cnn.plan import DEFAULT_ENGINE, ENGINES
from cnn.train import evaluate

_SPEC_BYTES = 1 << 20  # a spec of 64 layers is a few kilobytes


def _arch(value: str):
    """A preset name, or a path to a JSON file holding an architecture spec."""
    from cnn.meta import spec_error
    from cnn.safefile import NpzError, parse_json, read_text

    if value in PRESETS:
        return value
    path = Path(value)
    if path.suffix != ".json":
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a preset ({', '.join(PRESETS)}) nor a .json spec file")
    try:
        spec = parse_json(read_text(path, _SPEC_BYTES))
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"{value}: no such file") from None
    except (NpzError, OSError) as e:
        raise argparse.ArgumentTypeError(f"{value}: {getattr(e, 'strerror', None) or e}"
                                         ) from None
    problem = spec_error(spec, value)
    if problem is None:
        try:
            build_model(spec, np.random.default_rng(0))
        except ValueError as e:
            problem = f"{value}: {e}"
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return spec


def _count(low: int):
    """An argparse type: a whole number >= low."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cnn", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and save a checkpoint")
    t.add_argument("--data", action="append", default=[], metavar="FILE.npz",
                   help="letter set (.npz with x, y; optional writer, case); repeatable")
    t.add_argument("--emnist", action="append", default=[], metavar="IMAGES",
                   help="EMNIST letters images file (idx, optionally .gz); repeatable")
    t.add_argument("--synthetic", type=_count(0), default=0, metavar="N",
                   help="add N synthetic letters drawn from stroke fonts (cached)")
    t.add_argument("--synthetic-seed", type=int, default=0,
                   help="which synthetic letters: another seed draws another set (default 0)")
    t.add_argument("--user-samples", nargs="?", const="", default=None, metavar="FOLDER",
                   help="add the letters saved from the app (default: the user's data folder)")
    t.add_argument("--repeat-real", type=_count(1), default=1, metavar="K",
                   help="show the non-synthetic training letters K times per epoch (default 1)")
    t.add_argument("--redraw", type=_count(0), default=0, metavar="K",
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
    t.add_argument("--epochs", type=_count(1), default=10,
                   help="passes over the training letters (default 10)")
    t.add_argument("--batch-size", type=_count(1), default=64,
                   help="letters per gradient step (default 64)")
    t.add_argument("--lr", type=float, default=None,
                   help="learning rate (default 0.001 for adam, 0.05 for sgd)")
    t.add_argument("--optimizer", choices=["adam", "sgd"], default="adam",
                   help="Adam, or SGD with momentum (default adam)")
    t.add_argument("--momentum", type=float, default=0.9,
                   help="SGD's momentum; Adam ignores it (default 0.9)")
    t.add_argument("--weight-decay", type=float, default=0.0,
                   help="L2 penalty on the weights (default 0)")
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
    t.add_argument("--scanned", type=float, default=0.0, metavar="SHARE",
                   help="this share (0..1) of each batch drawn with a pen 1-3 pixels bolder, "
                        "half of it blurred, like scanned paper forms (default 0)")
    t.add_argument("--bar-split", type=float, nargs="?", const=L_SHARE_OF_BARS, default=None,
                   metavar="L_SHARE",
                   help="label bare bars (I or l) as l with this probability and I otherwise, "
                        f"as handwriting splits them (alone: {L_SHARE_OF_BARS}; default: as the "
                        "data labels them)")
    t.add_argument("--label-smoothing", type=float, default=0.0, metavar="S",
                   help="train towards 1 - S on the right letter and S spread over all 26, "
                        "instead of certainty (default 0: plain cross-entropy)")
    t.add_argument("--seed", type=int, default=0,
                   help="random weights, letter order and augmentation (default 0)")
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
    b.add_argument("--rounds", type=_count(1), default=7,
                   help="interleaved rounds per measurement; medians are reported (default 7)")
    b.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="the fast engine (default) or the reference layers")
    b.add_argument("--json", action="store_true")

    f = sub.add_parser("folds", help="write k writer-disjoint train/validation files")
    f.add_argument("--data", required=True, metavar="FILE.npz")
    f.add_argument("--k", type=_count(2), default=5, help="how many folds (default 5)")
    f.add_argument("--seed", type=int, default=0,
                   help="which writers go to which fold (default 0)")
    f.add_argument("--out", required=True, metavar="FOLDER")

    from cnn.cli_lodo import add_parser as add_lodo

    add_lodo(sub)
    from cnn.cli_data import add_parsers as add_data_commands

    add_data_commands(sub)
    return p


# --- evaluate ----------------------------------------------------------------------------------

def _confusion_text(conf: np.ndarray) -> str:
    lines = ["     " + " ".join(f"{c:>3}" for c in LETTERS)]
    for i, row in enumerate(conf):
        lines.append(f"  {LETTERS[i]}  " + " ".join(f"{v:>3}" if v else "  ." for v in row))
    return "\n".join(lines)


def evaluate_cmd(args) -> int:
    if args.model is None:
        args.model = str(DEFAULT_MODEL)
        log(f"no --model given: evaluating the shipped model, {DEFAULT_MODEL}")
    model, meta = checkpoint.load(args.model)
    data = combine([require_letters(load_npz(p), p) for p in args.data])
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
        log(f"no --model given: exporting the shipped model, {DEFAULT_MODEL}")
    check_not_input(args.onnx, "--onnx", [("--model", args.model)])
    model, meta = checkpoint.load(args.model)
    try:
        written = export_onnx(model, args.onnx, str(meta.get("name") or Path(args.model).stem))
    except OnnxUnavailable as e:
        log(f"error: {e}")
        return 2
    print(f"wrote {written} ({model.num_parameters():,} parameters; outputs logits and "
          "probabilities)")
    return 0


# --- folds -------------------------------------------------------------------------------------

def folds_cmd(args) -> int:
    from cnn.splits import writer_folds

    data = require_letters(load_npz(args.data), args.data)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder for the fold files")
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(args.data).stem
    for i, (tr, va) in enumerate(writer_folds(data, args.k, np.random.default_rng(args.seed)), 1):
        save_npz(data.subset(tr), out / f"{stem}-fold{i}-train.npz")
        save_npz(data.subset(va), out / f"{stem}-fold{i}-val.npz")
        print(f"fold {i}: {len(tr):,} train, {len(va):,} validation "
              f"({len(np.unique(data.writer[va]))} writers held out)")
    return 0


def _silence_stdout() -> None:
    """Send what is left of stdout nowhere: Python flushes it again at exit, and would
    complain there of the pipe that closed."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor behind stdout (a test's capture)
        pass


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
        if args.command in ("clean", "calibrate"):
            from cnn import cli_data

            return getattr(cli_data, f"{args.command}_cmd")(args)
        if args.command == "lodo":
            from cnn.cli_lodo import lodo_cmd

            return lodo_cmd(args)
        from cnn import bench

        bench.main(args.arch or sorted(PRESETS, key=list(PRESETS).index), args.json, args.rounds,
                   args.engine)
        return 0
    except BrokenPipeError:  # the reader stopped reading (`| head`): stop quietly, as tools do
        _silence_stdout()
        return 141  # 128 + SIGPIPE: what a shell reports of a tool its pipe stopped
    except (ValueError, OSError) as e:  # DataError and CheckpointError are ValueErrors
        print("error: " + " ".join(str(e).split()), file=sys.stderr)  # one line
        return 2
    except KeyboardInterrupt:  # Ctrl+C: every file is written atomically, so none is half done
        print("\ninterrupted", file=sys.stderr)
        return 130
