"""What one training run is made of: data sources, architecture and hyper-parameters."""

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
    """Everything the worker needs to start a run; plain values, so it crosses threads safely.

    The defaults train the default preset to a useful model in about two minutes on two cores.
    """

    synthetic: int = 26_000  # synthetic letters; 0 leaves them out
    synthetic_seed: int = 0
    my_samples: bool = True
    samples_folder: str | None = None  # None: the SampleStore's default folder
    files: list[str] = field(default_factory=list)  # .npz letter sets or EMNIST images files
    val_fraction: float = 0.1
    val_files: list[str] = field(default_factory=list)  # validate on these instead of a share
    from_current: bool = False  # fine-tune the current model instead of starting from scratch
    arch: str | list = "default"  # a preset name or an architecture spec
    init_std: float | None = None  # Gaussian standard deviation; None: He scaling
    optimizer: str = "adam"
    lr: float = DEFAULT_LR["adam"]
    momentum: float = 0.9
    batch_size: int = 64
    epochs: int = 5
    seed: int = 0
    augment: bool = True
    degrade: float = 0.0  # share of each batch given paper, photo and screen effects
    name: str = "my-model"
    blas_threads: int | None = None  # threads training uses; None: as many as cores

    def training_meta(self) -> dict:
        """The checkpoint's 'training' entry, in the keys `python -m cnn train` writes."""
        d = asdict(self)
        return {"epochs": d["epochs"], "batch_size": d["batch_size"],
                "optimizer": d["optimizer"], "lr": d["lr"], "momentum": d["momentum"],
                "augment": d["augment"], "degrade": d["degrade"], "seed": d["seed"],
                "init_std": d["init_std"],
                "fine_tuned": d["from_current"], "synthetic": d["synthetic"],
                "my_samples": d["my_samples"], "files": list(d["files"]),
                "val_fraction": d["val_fraction"], "val_files": list(d["val_files"])}
