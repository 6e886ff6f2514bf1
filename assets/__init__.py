"""Files LetterLens ships beside its code: the default model and the window icon.

A package only so that an install carries them as package data; `cnn.paths` finds them.
"""
