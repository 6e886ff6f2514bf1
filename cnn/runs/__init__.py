"""A training run's set-up, one for `python -m cnn train` and the window's Train tab.

config: what a run is made of (RunConfig). sources: its letters, loaded with progress and cancel.
setup: the validation split, the model, the optimiser and the augmentation, ready for `fit`.
meta: the checkpoint metadata of its weights. finetune: teaching one person's handwriting.
"""
