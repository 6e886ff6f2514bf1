"""Short, plain explanations of each step, filled in with the current model's own shapes."""

import math

from cnn.model import Sequential

TOPICS = {
    "input": "Input",
    "conv2d": "Convolution and stride",
    "relu": "ReLU",
    "maxpool2d": "Max pooling",
    "flatten": "Flatten",
    "linear": "Fully connected",
    "softmax": "Softmax",
    "cross_entropy": "Cross-entropy",
    "backprop": "Backpropagation",
    "init": "Gaussian initialisation",
}

_TEXT = {
    "input": (
        "The network never sees your strokes, only a 28×28 grid of numbers: 0 is empty, 1 is "
        "full ink. Your drawing is cropped to its ink, centred and shrunk so the letter spans "
        "about 24 of the 28 pixels, just like the letters it learned from. So it does not "
        "matter where on the canvas you draw, or how big. Nor how wide your pen is: the "
        "strokes are drawn again into the grid with a pen about a ninth of the letter's size, "
        "as thick as the lines of the letters it learned from. Capital or small makes no "
        "difference either: A and a are one class, Aa (see Softmax)."),
    "conv2d": (
        "A convolution slides small filters over its input. A filter is a little grid of "
        "weights; at each position it multiplies the patch beneath it by its weights and adds "
        "everything up. A large sum means <i>this patch looks like my pattern</i>: an edge, a "
        "corner, the end of a stroke. Each filter paints one feature map. The <b>stride</b> is "
        "the step between positions: stride 1 visits every pixel, stride 2 every other one and "
        "halves the map. <b>Padding</b> adds a border of zeros so filters reach the edge "
        "pixels; a border of 1 around a 3×3 filter keeps the map its size."),
    "relu": (
        "ReLU keeps positive numbers and turns negative ones into zero. That is all. This tiny "
        "bend is what lets a stack of layers learn curvy, non-linear rules; without it, layers "
        "with no max pooling between them would collapse into one big multiplication. In the "
        "maps, the dark areas are the zeros ReLU made, where a filter's sum was negative: on "
        "the strokes as well as around them."),
    "maxpool2d": (
        "Max pooling shrinks each map by keeping only the largest value in each small window. "
        "It keeps <i>the pattern is somewhere around here</i> and forgets exactly where, so a "
        "stroke a pixel away from where it usually is changes what the next layers see less, "
        "and they have less to do."),
    "flatten": (
        "Flatten lays all the maps end to end as one long list of numbers, so the next layer "
        "can look at all of them at once. Nothing is computed; only the shape changes."),
    "linear": (
        "In a fully connected layer every output unit has one weight for every input number. "
        "It adds up input × weight over all of them, plus a bias. The hidden units combine "
        "the features found so far into parts of letters; the last layer gives one score per "
        "letter."),
    "softmax": (
        "Softmax turns the 26 scores into probabilities: take e to the power of each score and "
        "divide by the total, so each is positive and they add up to 1. The highest score "
        "wins, and a score a few points ahead of the rest takes nearly all the probability. "
        "There are 26 classes, not 52: upper and lower case share one (Aa, Bb, …), as the "
        "letters it learned from are labelled. So a class holds two shapes, and a shape can "
        "sit in two classes: a plain vertical stroke is a capital I (class Ii) and a small l "
        "(class Ll), so the network splits its vote between the two; nothing in one stroke "
        "says which you meant."),
    "cross_entropy": (
        "Cross-entropy is how training measures a mistake: minus the log of the probability "
        "given to the right letter. Sure and right costs almost 0; 1% on the right letter "
        "costs 4.6. Training changes the weights to make this cost smaller, on average over "
        "many letters. The shipped model was trained against a softened target (label "
        "smoothing 0.2): about 81% on the right letter and the rest spread over all 26, so "
        "training did not push it to certainty, and left it about 84% sure of a clear letter. "
        "It was then calibrated: its scores multiplied by 1.65, so that on 2,799 held-out "
        "letters its probabilities match how often it is right. Now a clear letter reads about "
        "99% sure (94% or more for nine in ten), which the Draw tab may round to 100%."),
    "backprop": (
        "Backpropagation works out, for every number in the network, how much a tiny change "
        "would change the result, by applying the chain rule backwards, layer by layer, from "
        "the output to the input. Training uses it to adjust every weight a little. The "
        "saliency map uses the same backward pass but stops at the pixels: bright pixels are "
        "where a little more or less ink would change the top letter's score the most."),
    "init": (
        "Before training, every weight is drawn at random from a Gaussian (bell-curve) "
        "distribution around zero, with a spread of √(2 / inputs per unit) unless training "
        "chose another (the Train tab can). That is large "
        "enough that signals do not fade away through the layers and small enough that they "
        "do not blow up. Random starts also make each filter different; training then shapes "
        "them into detectors for edges and strokes."),
}


def topic_for(kind: str) -> str:
    """The guide topic for a layer kind ('conv2d', 'relu', ...)."""
    return kind if kind in TOPICS else "input"


def _shape(shape) -> str:
    return "×".join(map(str, shape))


def _layer_note(model: Sequential, name: str) -> str:
    shapes = model.output_shapes()
    names = [n for n, _ in model.layers]
    i = names.index(name)
    layer = model.layers[i][1]
    before = model.input_shape if i == 0 else shapes[names[i - 1]]
    after = shapes[name]
    kind = layer.kind
    if kind == "conv2d":
        k = layer.kernel_size
        n = layer.params["weight"].size + layer.params["bias"].size
        return (f"{name}: {_shape(before)} in → {layer.out_channels} filters of "
                f"{k}×{k}×{layer.in_channels}, stride {layer.stride}, padding {layer.padding} "
                f"→ {_shape(after)} out; {n:,} weights and biases.")
    if kind == "maxpool2d":
        k = layer.kernel_size
        return (f"{name}: {k}×{k} windows, stride {layer.stride}: {_shape(before)} → "
                f"{_shape(after)}; no weights.")
    if kind == "linear":
        n = layer.params["weight"].size + layer.params["bias"].size
        last = i == len(names) - 1
        what = " (one score per letter)" if last else ""
        return (f"{name}: {layer.in_features:,} inputs → {layer.out_features} units{what}; "
                f"{n:,} weights and biases.")
    return f"{name}: {_shape(before)} in → {_shape(after)} out; no weights."


def init_std_of(meta: dict | None) -> float | None:
    """The Gaussian's spread a model's training chose for every layer, or None for He's
    √(2 / fan-in); anything but a positive number in the metadata counts as None."""
    training = meta.get("training") if isinstance(meta, dict) else None
    std = training.get("init_std") if isinstance(training, dict) else None
    ok = isinstance(std, int | float) and not isinstance(std, bool) and math.isfinite(std)
    return float(std) if ok and std > 0 else None


def _model_note(model: Sequential, topic: str, init_std: float | None = None) -> str:
    if topic == "input":
        return f"This model's input: {_shape(model.input_shape)} (one grey channel)."
    if topic == "softmax":
        return f"Here: {model.num_classes} scores from {model.layers[-1][0]} → probabilities."
    if topic == "init" and init_std is not None:
        return f"every layer's weights drawn with σ = {init_std:g}, as chosen for training."
    if topic == "init":
        parts = []
        for name, layer in model.layers:
            if layer.kind in ("conv2d", "linear"):
                fan_in = layer.params["weight"][0].size
                parts.append(f"{name}: {fan_in} inputs per unit, σ = {math.sqrt(2 / fan_in):.3f}")
        return "; ".join(parts) + "."
    if topic in ("backprop", "cross_entropy"):
        return f"This model has {model.num_parameters():,} weights and biases to adjust."
    names = [n for n, layer in model.layers if layer.kind == topic]
    return "Here: " + ", ".join(names) + "." if names else ""


def explain(topic: str, model: Sequential | None = None, layer: str | None = None,
            init_std: float | None = None) -> str:
    """HTML: the plain explanation of `topic`, then this model's numbers (for `layer` if given);
    `init_std` is the spread its training drew the weights with, None for He's."""
    text = f"<h3>{TOPICS[topic]}</h3><p>{_TEXT[topic]}</p>"
    if model is not None:
        if layer and layer in dict(model.layers):
            note = _layer_note(model, layer)
        else:
            note = _model_note(model, topic, init_std)
        if note:
            text += f"<p><b>In this model</b> · {note}</p>"
    return text


# How to read each chapter of the Step through tab (keyed by topic, like the texts above).
STEP_TEXT = {
    "input": (
        "Each square is one of the 784 numbers the network receives for your drawing: 0.00 is "
        "no ink, 1.00 is full ink. Hover a square for its value; zoom in to read them all."),
    "conv2d": (
        "The yellow window is the filter's flashlight. At each stop, the patch under it × the "
        "kernel's weights gives the products; their sum plus the bias is one pixel of the "
        "feature map. <b>Step</b> moves the window by the stride; the dotted ring is the "
        "padding's zeros. Click a pixel of the map to jump there. The grids show two "
        "decimals; the sums add the exact numbers, so adding the shown ones can miss the last "
        "digit."),
    "relu": (
        "On the left the numbers ReLU receives, on the right what it passes on: blue "
        "(negative) numbers are replaced by 0, red (positive) ones pass unchanged. Click the "
        "small map to move the zoomed window."),
    "maxpool2d": (
        "The window covers a few numbers of the map; only the largest, outlined, passes on "
        "to the smaller map (on a tie, the first, reading row by row: it alone gets the "
        "gradient in training). <b>Step</b> moves the window by the stride."),
    "flatten": (
        "Point at a number of the long list to see which map, row and column it came from, or "
        "at a map to see where its number lands. Each line of the list is one map, row after "
        "row."),
    "linear": (
        "Pick a unit (in the last layer, a letter). Its score is every input × its weight, "
        "all added up, plus its bias. The largest contributions are listed: red ones push the "
        "score up, blue ones down."),
    "softmax": (
        "Softmax always shares out exactly 100 % among the letters. So a smiley, a scribble or "
        "a number still gets a <i>most likely letter</i>: the probabilities say which letter "
        "it looks most like, not whether it is a letter at all. The raw scores tell more: "
        "compare how high the best one is."),
    "cross_entropy": (
        "Pick the true letter (the guess, unless you choose). The loss is −ln p(true): 0 when "
        "the network is sure and right, and it grows without limit as p falls."),
    "backprop": (
        "One step of gradient descent on this drawing alone, on a copy of the network: each "
        "score's gradient is p − target, the chain rule carries it back to every weight, and "
        "each weight moves by −learning rate × its gradient. The app's network changes only "
        "if you press <b>Keep this step</b>."),
    "init": (
        "The bars are a layer's weights now; the curve is how a fresh random draw spreads "
        "them. <b>Re-initialise a copy</b> reads your drawing with fresh random weights, next "
        "to the trained ones."),
}


# Where a learner reads the code of each chapter: the reference layers first.
CODE = {
    "input": "<code>preprocess_strokes</code> in cnn/preprocess.py",
    "conv2d": "<code>Conv2d</code> in cnn/layers.py; one stop: cnn/explain/convolution.py",
    "relu": "<code>ReLU</code> in cnn/layers.py",
    "maxpool2d": "<code>MaxPool2d</code> in cnn/layers.py",
    "flatten": "<code>Flatten</code> in cnn/layers.py",
    "linear": "<code>Linear</code> in cnn/layers.py",
    "softmax": "<code>softmax</code> in cnn/functional.py",
    "cross_entropy": "<code>SoftmaxCrossEntropy</code> in cnn/losses.py",
    "backprop": "each layer's <code>backward</code>, under its forward in cnn/layers.py; "
                "one step: cnn/explain/backprop.py",
    "init": "<code>_gaussian</code> in cnn/layers.py (He scaling)",
}


def explain_step(topic: str) -> str:
    """HTML for a Step through chapter: the plain explanation, then how to read the page and
    where its code is."""
    code = f" · <i>The code</i>: {CODE[topic]}" if topic in CODE else ""
    return f"<p>{_TEXT[topic]}</p><p><i>On this page</i> · {STEP_TEXT[topic]}{code}</p>"
