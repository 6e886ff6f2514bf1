"""What one training run is made of: data sources, architecture and hyper-parameters.

The CLI builds a RunConfig from its flags and the Train tab from its form; everything after that
(loading, splitting, the optimiser, the checkpoint's "training" entry) is the same code.
"""

import math
from dataclasses import asdict, dataclass, field

DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05}
MAX_LR = 10.0  # larger steps only wreck the weights (every class but one dies)
DEFAULT_DEGRADE = 0.3  # the share of a batch given paper and screen effects when ticked


def parse_lr(text: str) -> float:
    """The learning rate typed in the form; ValueError with a reason a person can act on."""
    try:
        lr = float(text.strip())
    except ValueError:
        raise ValueError(f"the learning rate {text.strip()!r} is not a number; "
                         "type e.g. 0.001 or 1e-3") from None
    if not math.isfinite(lr):
        raise ValueError("the learning rate must be a finite number, e.g. 0.001")
    if lr <= 0:
        raise ValueError("the learning rate must be above 0, e.g. 0.001")
    if lr > MAX_LR:
        raise ValueError(f"a learning rate above {MAX_LR:g} only wrecks the weights; "
                         f"try {DEFAULT_LR['adam']:g} with Adam or {DEFAULT_LR['sgd']:g} "
                         "with SGD")
    return lr


@dataclass
class RunConfig:
    """Everything a run needs to start; plain values, so it crosses threads safely.

    The defaults train the default preset to a useful model in about two minutes on two cores.
    """

    # --- the letters
    synthetic: int = 26_000  # synthetic letters; 0 leaves them out
    synthetic_seed: int = 0
    my_samples: bool = True
    samples_folder: str | None = None  # None: the SampleStore's default folder
    files: list[str] = field(default_factory=list)  # .npz letter sets or EMNIST images files
    emnist: list[str] = field(default_factory=list)  # EMNIST images files, whatever their name
    val_fraction: float = 0.1
    val_files: list[str] = field(default_factory=list)  # validate on these instead of a share
    repeat_real: int = 1  # the letters that are not synthetic, shown this many times an epoch
    redraw: int = 0  # copies of each training letter with pen strokes, drawn by the synthetic hand
    # --- the network
    from_current: bool = False  # fine-tune a given model instead of starting from scratch
    start_from: str | None = None  # the file that model came from, when one did
    arch: str | list = "default"  # a preset name or an architecture spec
    init_std: float | None = None  # Gaussian standard deviation; None: He scaling
    # --- the training
    optimizer: str = "adam"
    lr: float = DEFAULT_LR["adam"]
    lr_decay: float = 1.0  # the learning rate is multiplied by this after every epoch
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 5
    seed: int = 0
    augment: bool = True
    degrade: float = 0.0  # share of each batch given paper, photo and screen effects
    elastic: float = 0.0  # pixels of smooth random bending; 0: off
    label_smoothing: float = 0.0
    scanned: float = 0.0  # share of each batch drawn with thick, blurred pens (scanned forms)
    bar_split: float | None = None  # bare bars labelled l with this chance, else I; None: as is
    name: str = "my-model"
    blas_threads: int | None = None  # threads training uses; None: as many as cores

    def training_meta(self) -> dict:
        """The checkpoint's 'training' entry: every setting that shaped the weights."""
        d = asdict(self)
        keys = ("epochs", "batch_size", "optimizer", "lr", "lr_decay", "momentum",
                "weight_decay", "augment", "degrade", "elastic", "label_smoothing", "scanned",
                "bar_split", "seed",
                "init_std", "synthetic", "synthetic_seed", "my_samples", "repeat_real",
                "redraw", "val_fraction")
        return {**{k: d[k] for k in keys}, "fine_tuned": d["from_current"],
                "fine_tuned_from": d["start_from"], "files": [*d["files"], *d["emnist"]],
                "val_files": list(d["val_files"])}
