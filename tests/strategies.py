"""Hypothesis strategies: random convolution problems in every declared layout."""

from hypothesis import strategies as st

from symconv.problem import build_problem


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
