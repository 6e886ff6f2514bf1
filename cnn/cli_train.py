"""`python -m cnn train`: load the letters, train with a progress bar, save the model.

The output path is checked before any letter is loaded, and a model whose final write fails
(a full disk) is kept beside it or in the user data folder, so that nothing trained is lost.
"""

import sys
import time
from pathlib import Path

import numpy as np

from cnn import checkpoint
from cnn.data import DataError, LetterSet, combine, load_npz, require_letters, save_npz, split
from cnn.fileio import check_writable
from cnn.model import build_model
from cnn.optim import make_optimizer
from cnn.paths import DEFAULT_MODEL
from cnn.train import TrainingDiverged, evaluate, fit


def _sources(args) -> tuple[list[LetterSet], list[LetterSet]]:
    """(sets to split for validation, synthetic sets that only ever train)."""
    sets = [require_letters(load_npz(path), path) for path in args.data]
    if args.emnist:
        from cnn.emnist import load_emnist

        sets += [require_letters(load_emnist(path), path) for path in args.emnist]
    if args.user_samples is not None:
        from cnn.samples import SampleStore

        store = SampleStore(args.user_samples or None)
        sets.append(store.to_letterset())
        for skipped in store.problems:
            log(f"  skipped the sample {skipped.name}: {skipped.reason}")
    synthetic = []
    if args.synthetic:
        from cnn.synthetic import load_or_generate

        log(f"synthetic letters: {args.synthetic:,} (generated once, then cached)")
        synthetic.append(LetterSet(**load_or_generate(args.synthetic, seed=args.synthetic_seed),
                                   source="synthetic"))
    sets = [s for s in sets if len(s)]
    if not sets and not synthetic:
        raise DataError("no training data: give --data, --emnist, --synthetic or --user-samples")
    return sets, synthetic


def log(text: str) -> None:
    """A progress or note line on stderr, so stdout stays the command's output."""
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
    """The `train` command; 0 when the model is saved, 1 when training stopped or the model
    had to be kept somewhere else than --out."""
    if not 0.0 <= args.degrade <= 1.0:
        raise ValueError(f"--degrade must be between 0 and 1, got {args.degrade}")
    if not 0.0 <= args.scanned <= 1.0:
        raise ValueError(f"--scanned must be between 0 and 1, got {args.scanned}")
    if args.bar_split is not None and not 0.0 <= args.bar_split <= 1.0:
        raise ValueError(f"--bar-split must be between 0 and 1, got {args.bar_split}")
    if not 0.0 <= args.elastic <= 5.0:
        raise ValueError(f"--elastic must be between 0 and 5 pixels, got {args.elastic}")
    if not 0.0 <= args.label_smoothing < 1.0:
        raise ValueError(f"--label-smoothing must be at least 0 and below 1, "
                         f"got {args.label_smoothing}")
    out = Path(args.out)
    if out.resolve() == DEFAULT_MODEL.resolve():
        raise ValueError(f"--out {out} is the model shipped with LetterLens; save to another file")
    check_writable(out)  # before minutes of training, not after
    base = checkpoint.load(args.start_from) if args.start_from else None
    rng = np.random.default_rng(args.seed)
    real, synthetic = _sources(args)
    sets = real + synthetic
    if args.val_data:
        real_train, val_set = combine(real) if real else None, combine(
            [require_letters(load_npz(p), p) for p in args.val_data])
    elif real:
        # Validation is real handwriting only, whole writers where known; synthetic always trains.
        real_train, val_set = split(combine(real), args.val_fraction, rng)
    else:
        real_train = None
        synthetic[0], val_set = split(synthetic[0], args.val_fraction, rng)
    parts = ([real_train] * args.repeat_real if real_train is not None else []) + synthetic
    if args.redraw and real_train is not None:
        from cnn.synthetic import redraw

        redrawn = redraw(real_train, args.redraw, seed=args.seed)
        log(f"  redrawn from pen strokes: {len(redrawn):,} letters "
             f"({args.redraw} per training letter with strokes)")
        if len(redrawn):
            parts.append(redrawn)
    train_set = combine(parts)
    if args.bar_split is not None:
        from cnn.bars import relabel_bars

        train_set = relabel_bars(train_set, args.bar_split, np.random.default_rng([args.seed, 16]))
    if args.save_val and len(val_set):
        save_npz(val_set, args.save_val)
    for s in sets:
        log(f"  {s.source or 'data'}: {len(s):,} letters")
    log(f"training on {len(train_set):,} letters, validating on {len(val_set):,}"
         + (" (writer-disjoint where writers are known)" if not args.val_data else ""))

    if base is not None:
        model, base_meta = base
        history = list(base_meta.get("history") or [])
    else:
        model = build_model(args.arch, rng, init_std=args.init)
        history = []
    lr = args.lr if args.lr is not None else (0.001 if args.optimizer == "adam" else 0.05)
    opt = make_optimizer(args.optimizer, lr, args.momentum, args.weight_decay)
    augment = None
    if args.augment or args.degrade or args.elastic or args.scanned:
        from cnn.augment import compose

        augment = compose(args.augment, args.degrade, args.elastic, args.scanned)
    log(f"model: {model.num_parameters():,} parameters; {opt!r}")

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
                log(f"\nepoch {item.epoch}/{item.epochs}: loss {item.loss:.3f} "
                     f"acc {item.accuracy:.2%}{val_text}  ({now - t0:.0f} s)")
                opt.lr *= args.lr_decay
    except TrainingDiverged as e:
        log(f"\n{e}\nThe last good weights are kept; nothing was saved.")
        return 1
    except KeyboardInterrupt:
        log("\ninterrupted: nothing was saved")
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
                     "scanned": args.scanned, "bar_split": args.bar_split,
                     "repeat_real": args.repeat_real, "redraw": args.redraw,
                     "synthetic": args.synthetic, "seed": args.seed, "init_std": args.init,
                     "seconds": round(elapsed, 1), "fine_tuned_from": args.start_from},
        "history": history,
        "command": "python -m cnn " + " ".join(sys.argv[1:]),
    }
    try:
        where, failed = checkpoint.save_rescuing(model, out, meta)
    except OSError as e:
        log(f"error: could not write {out} ({e.strerror or e}) nor a copy beside it, in the "
             "user data folder or the temporary folder: the trained weights are lost")
        return 1
    if failed is not None:
        log(f"error: could not write {out} ({failed.strerror or failed}); the trained model "
             f"is kept in {where}")
        return 1
    acc = "" if final is None else f", validation accuracy {final['accuracy']:.2%}"
    log(f"saved {out} ({elapsed:.0f} s of training{acc})")
    return 0
