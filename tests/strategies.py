"""Hypothesis strategies: random convolution problems in every declared layout."""

from hypothesis import strategies as st

from symconv.problems.problem import build_problem


@st.composite
def conv_specs(draw, max_size: int = 6):
    dims = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 3))
    group_channels, group_filters = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    channels, filters = groups * group_channels, groups * group_filters
    batch = draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    padding = [draw(st.integers(0, 2)) for _ in range(dims)]
    dilation = [draw(st.integers(1, 2)) for _ in range(dims)]
    size = [draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max_size))
            for k, p, d in zip(kernel, padding, dilation)]

    layouts = ["batch"]
    if batch == 1:
        layouts.append("channels")
        if channels == 1:
            layouts.append("plain")
    layout = draw(st.sampled_from(layouts))
    input_shape = {"batch": [batch, channels], "channels": [channels], "plain": []}[layout] + size
    if filters == 1 and group_channels == 1 and draw(st.booleans()):
        weight_shape = kernel  # a single filter may be declared without its two leading axes
    else:
        weight_shape = [filters, group_channels, *kernel]

    layer = {"type": "conv", "groups": groups,
             "stride": stride if draw(st.booleans()) else stride[0],
             "padding": padding, "dilation": dilation,
             "weight": {"name": "W", "shape": weight_shape,
                        "naming": draw(st.sampled_from(["indexed", "flat"])),
                        "index_base": draw(st.sampled_from([0, 1]))}}
    if len(set(stride)) > 1:
        layer["stride"] = stride
    if draw(st.booleans()):
        layer["bias"] = {"name": "b"}
    upstream = draw(st.sampled_from([{}, {"name": "d", "naming": "flat", "index_base": 1}]))
    return {"dims": dims, "input": {"name": "X", "shape": input_shape,
                                    "index_base": draw(st.sampled_from([0, 1]))},
            "layers": [layer], "upstream": upstream}


def conv_problems(max_size: int = 6):
    return conv_specs(max_size).map(build_problem)


PADDING_FORMS = ("int", "per axis", "pairs", "valid", "same")


@st.composite
def field_specs(draw, kinds=("conv", "conv_transpose"), dims=(1, 2, 3)):
    """A convolution or a transposed one in 1-D, 2-D or 3-D, with every padding form (asymmetric
    pairs, "valid", "same"), stride, dilation, groups, output_padding, channels and batch. Returns
    the spec and, in canonical layout, what an independent reference needs: (kind, input shape,
    weight shape, stride, padding pairs or "same", dilation, groups, output_padding)."""
    kind = draw(st.sampled_from(kinds))
    d = draw(st.sampled_from(dims))
    largest = 2 if d == 3 else 3
    groups = draw(st.integers(1, 2))
    group_in, group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    batch = draw(st.integers(1, 2)) if d < 3 else 1
    kernel = [draw(st.integers(1, largest)) for _ in range(d)]
    stride = [draw(st.integers(1, 3)) for _ in range(d)]
    dilation = [draw(st.integers(1, 2)) for _ in range(d)]
    size = [draw(st.integers(1, 4 if d == 3 else 6)) for _ in range(d)]
    form = draw(st.sampled_from(PADDING_FORMS))
    pairs = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(d)]
    padding = {"int": pairs[0][0], "per axis": [b for b, _ in pairs], "pairs": [list(p) for p in pairs],
               "valid": "valid", "same": "same"}[form]
    pairs = {"int": [(pairs[0][0],) * 2] * d, "per axis": [(b, b) for b, _ in pairs],
             "pairs": pairs, "valid": [(0, 0)] * d, "same": "same"}[form]
    channels = groups * group_in
    weight = ([groups * group_out, group_in, *kernel] if kind == "conv"
              else [channels, group_out, *kernel])
    layer = {"type": kind, "stride": stride, "padding": padding, "dilation": dilation,
             "groups": groups, "weight": {"name": "W", "shape": weight}}
    output_padding = [0] * d
    if kind == "conv_transpose" and form != "same":
        output_padding = [draw(st.integers(0, max(s, t) - 1)) for s, t in zip(stride, dilation)]
        layer["output_padding"] = output_padding
    if draw(st.booleans()):
        layer["bias"] = {"name": "b"}
    spec = {"dims": d, "input": {"name": "X", "shape": [batch, channels, *size]}, "layers": [layer],
            "upstream": {"name": "g", "naming": "flat", "index_base": 1}}
    return spec, (kind, (batch, channels, *size), tuple(weight), tuple(stride), pairs,
                  tuple(dilation), groups, tuple(output_padding))
