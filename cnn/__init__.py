"""LetterLens' convolutional network, written from scratch in NumPy. Never imports Qt."""
