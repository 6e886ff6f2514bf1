"""LetterLens' Qt window: canvas, docked panels and training tab. Imports cnn, never the reverse."""

from gui.compat import protect_singletons

protect_singletons()
