"""`python -m cnn train`: load the letters, train with a progress bar, save the model.

The flags become a RunConfig, and `cnn.runs` sets the run up as the Train tab does. The output
path is checked before any letter is loaded, and a model whose final write fails (a full disk)
is kept beside it or in the user data folder, so that nothing trained is lost.
"""

import math
import sys
import time
from pathlib import Path

from cnn import checkpoint
from cnn.data import save_npz
from cnn.fileio import check_not_input, check_writable
from cnn.paths import DEFAULT_MODEL
from cnn.runs.config import DEFAULT_LR, RunConfig
from cnn.runs.meta import run_meta
from cnn.runs.setup import RunSetup, prepare
from cnn.train import TrainingDiverged, evaluate


def log(text: str) -> None:
    """A progress or note line on stderr, so stdout stays the command's output."""
    print(text, file=sys.stderr, flush=True)


def _report(fraction: float, text: str) -> None:
    """cnn.runs' progress: drawing progress redrawn on one line, notes on lines of their own."""
    if 0.0 < fraction < 1.0:
        print(f"\r  {text}", end="", file=sys.stderr, flush=True)
    else:
        log(("\n" if fraction == 1.0 else "") + f"  {text}")


def _bar(item, width: int = 24) -> str:
    frac = ((item.epoch - 1) * item.steps_per_epoch + item.step) / (item.epochs *
                                                                    item.steps_per_epoch)
    filled = int(frac * width)
    secs = int(min(item.eta_s, 359999))
    eta = f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    return (f"\repoch {item.epoch}/{item.epochs} [{'#' * filled}{'.' * (width - filled)}] "
            f"{frac:4.0%}  {item.samples_per_s:7,.0f} samples/s  ETA {eta}  "
            f"loss {item.loss:.3f}  acc {item.accuracy:6.1%}")


def check_args(args) -> Path:
    """Refuse out-of-range flags and an --out that cannot be written, before any loading;
    returns the output path."""
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
    if args.init is not None and not 0.0 < args.init <= 10.0:  # as a checkpoint must record it
        raise ValueError(f"--init must be above 0 and at most 10, got {args.init}")
    if not (math.isfinite(args.lr_decay) and args.lr_decay > 0.0):
        raise ValueError(f"--lr-decay must be a number above 0, got {args.lr_decay}")
    if not 0.0 <= args.momentum < 1.0:
        raise ValueError(f"--momentum must be at least 0 and below 1, got {args.momentum}")
    out = Path(args.out)
    if out.resolve() == DEFAULT_MODEL.resolve():
        raise ValueError(f"--out {out} is the model shipped with LetterLens; save to another file")
    inputs = [*(("--data", p) for p in args.data), *(("--val-data", p) for p in args.val_data),
              *(("--emnist", p) for p in args.emnist), ("--from", args.start_from)]
    check_not_input(out, "--out", inputs)
    check_writable(out)  # before minutes of training, not after
    if args.save_val:
        check_not_input(args.save_val, "--save-val", [*inputs, ("--out", out)])
        check_writable(args.save_val)
    return out


def config_from_args(args) -> RunConfig:
    """The flags as the RunConfig the Train tab would build for the same settings."""
    if not (args.data or args.emnist or args.synthetic or args.user_samples is not None):
        from cnn.data import DataError

        raise DataError("no training data: give --data, --emnist, --synthetic or --user-samples")
    return RunConfig(
        synthetic=args.synthetic, synthetic_seed=args.synthetic_seed,
        my_samples=args.user_samples is not None, samples_folder=args.user_samples or None,
        files=list(args.data), emnist=list(args.emnist),
        val_fraction=args.val_fraction,
        val_files=list(args.val_data), repeat_real=args.repeat_real, redraw=args.redraw,
        from_current=args.start_from is not None, start_from=args.start_from, arch=args.arch,
        init_std=args.init, optimizer=args.optimizer,
        lr=args.lr if args.lr is not None else DEFAULT_LR[args.optimizer],
        lr_decay=args.lr_decay, momentum=args.momentum, weight_decay=args.weight_decay,
        batch_size=args.batch_size, epochs=args.epochs, seed=args.seed, augment=args.augment,
        degrade=args.degrade, elastic=args.elastic, label_smoothing=args.label_smoothing,
        scanned=args.scanned, bar_split=args.bar_split,
        name=args.name or Path(args.out).stem)


def _describe(setup: RunSetup) -> None:
    data = setup.data
    for name, n in data.sources.counts():
        log(f"  {name}: {n:,} letters")
    for skipped in data.sources.skipped:
        log(f"  skipped the sample {skipped.name}: {skipped.reason}")
    log(f"training on {len(data.train):,} letters, validating on {len(data.val):,} "
        f"({data.validation})")
    log(f"model: {setup.model.num_parameters():,} parameters; {setup.optimizer!r}")


def _fit(setup: RunSetup, history: list[dict]) -> float:
    """Drive the run with a progress bar, appending an entry to `history` an epoch; returns the
    seconds it took. Raises what `fit` raises (TrainingDiverged) and KeyboardInterrupt."""
    t0 = time.perf_counter()
    last_draw = 0.0
    for item in setup.batches():
        now = time.perf_counter()
        if item.kind == "step" and (now - last_draw > 0.1 or item.step == item.steps_per_epoch):
            print(_bar(item), end="", file=sys.stderr, flush=True)
            last_draw = now
        elif item.kind == "epoch":
            history.append(setup.end_epoch(item, now - t0))
            val_text = ("" if item.val is None else
                        f" | val loss {item.val_loss:.3f} acc {item.val_accuracy:.2%}")
            log(f"\nepoch {item.epoch}/{item.epochs}: loss {item.loss:.3f} "
                f"acc {item.accuracy:.2%}{val_text}  ({now - t0:.0f} s)")
    return time.perf_counter() - t0


def _save(setup: RunSetup, out: Path, meta: dict, summary: str) -> int:
    try:
        where, failed = checkpoint.save_rescuing(setup.model, out, meta)
    except OSError as e:
        log(f"error: could not write {out} ({e.strerror or e}) nor a copy beside it, in the "
            "user data folder or the temporary folder: the trained weights are lost")
        return 1
    if failed is not None:
        log(f"error: could not write {out} ({failed.strerror or failed}); the trained model "
            f"is kept in {where}")
        return 1
    log(f"saved {out} ({summary})")
    return 0


def _meta(setup: RunSetup, base: dict, history: list, final: dict | None) -> dict:
    """The checkpoint metadata of the run's weights, with the command that trained them."""
    base = {k: v for k, v in base.items() if k != "curves"}  # the base's batches, not these
    meta = run_meta(setup.config, base, setup.data.summary(), final)
    meta.update(history=history, command="python -m cnn " + " ".join(sys.argv[1:]))
    return meta


def _save_last_good(setup: RunSetup, out: Path, base: dict, history: list,
                    e: TrainingDiverged) -> int:
    """A diverged run: the weights from before it went wrong, beside --out (never over it)."""
    setup.model.load_state_dict(e.last_good_state)
    kept = out.with_name(f"{out.stem}-before-divergence{out.suffix or '.npz'}")
    meta = _meta(setup, base, history, None)
    log(f"\n{e}")
    _save(setup, kept, meta, f"the weights from before epoch {e.epoch}, step {e.step} "
          "diverged; lower --lr to train on")
    return 1


def train(args) -> int:
    """The `train` command; 0 when the model is saved, 1 when training stopped or the model
    had to be kept somewhere else than --out."""
    out = check_args(args)
    config = config_from_args(args)
    model, base = checkpoint.load(args.start_from) if args.start_from else (None, {})
    history = list(base.get("history") or [])
    if config.synthetic:
        log(f"synthetic letters: {config.synthetic:,} (generated once, then cached)")
    try:  # Ctrl+C while the letters load or are drawn, as much as while training
        setup = prepare(config, model, epoch_offset=len(history), report=_report)
        if args.save_val and len(setup.data.val):
            save_npz(setup.data.val, args.save_val)
        _describe(setup)
        elapsed = _fit(setup, history)
    except TrainingDiverged as e:
        return _save_last_good(setup, out, base, history, e)
    except KeyboardInterrupt:
        log(f"\ninterrupted: no model was saved; {out} was not touched")
        return 130
    val = setup.data.val
    final = evaluate(setup.model, val.x, val.y) if len(val) else None
    meta = _meta(setup, base, history, final)
    meta["training"]["seconds"] = round(elapsed, 1)
    acc = "" if final is None else f", validation accuracy {final['accuracy']:.2%}"
    return _save(setup, out, meta, f"{elapsed:.0f} s of training{acc}")
