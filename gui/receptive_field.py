"""Which input pixels a unit of a layer can see, derived from the layers' own geometry."""


def receptive_field(layers, layer_name: str, row: int, col: int,
                    input_hw: tuple[int, int] = (28, 28)) -> tuple[int, int, int, int]:
    """Input box (row0, col0, row1, col1), inclusive and clipped, seen by (row, col) of a layer.

    `layers` is a model's list of (name, layer). Layers with `kernel_size` / `stride` /
    `padding` widen the box; element-wise layers keep it; after a flatten every unit sees all.
    """
    names = [n for n, _ in layers]
    if layer_name not in names:
        raise KeyError(f"no layer named {layer_name!r}")
    upto = names.index(layer_name)
    whole = (0, 0, input_hw[0] - 1, input_hw[1] - 1)
    if any(getattr(layer, "kind", "") in ("flatten", "linear") for _, layer in layers[:upto + 1]):
        return whole
    r0 = r1 = int(row)
    c0 = c1 = int(col)
    for _, layer in reversed(layers[:upto + 1]):
        k = getattr(layer, "kernel_size", None)
        if k is None:
            continue
        s = getattr(layer, "stride", 1) or 1
        p = getattr(layer, "padding", 0) or 0
        r0, r1 = r0 * s - p, r1 * s - p + k - 1
        c0, c1 = c0 * s - p, c1 * s - p + k - 1
    h, w = input_hw
    return max(r0, 0), max(c0, 0), min(r1, h - 1), min(c1, w - 1)
