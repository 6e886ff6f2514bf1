"""The checkpoint metadata of a run's weights, the same from the CLI and the Train tab."""

from cnn.runs.config import RunConfig


def run_meta(config: RunConfig, base: dict | None = None, data: dict | None = None,
             val: dict | None = None) -> dict:
    """`base` (the fine-tuned model's metadata, or {}) updated with the run's name, preset,
    settings, `data` (RunData.summary()) and `val` (evaluate()'s accuracy and per_class on the
    validation letters, when there were any). The caller adds the history."""
    meta = dict(base or {})
    preset = config.arch if isinstance(config.arch, str) else "custom"
    training = config.training_meta()
    if config.from_current:  # the weights were drawn when the model began, not by this run
        earlier = meta.get("training")
        training["init_std"] = earlier.get("init_std") if isinstance(earlier, dict) else None
    meta.update(name=config.name,
                arch=meta.get("arch", "custom") if config.from_current else preset,
                training=training)
    if data:
        meta.update(data)
    if val is not None:
        meta.update(val_accuracy=val["accuracy"], val_per_class=list(val["per_class"]))
        meta.pop("changed_since_validation", None)  # validated again: these weights'
    return meta
