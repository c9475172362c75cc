"""The layer contract at run time: roles are a closed set, and a layer type declares its parameters';
every tensor a layer type makes names its axes in front of the spatial ones. (That a layer class has
every member of :class:`symconv.core.contract.Layer`, and that a tensor is given its leading axes, is
mypy's check.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

from symconv.layers import LAYER_TYPES, LayerRequest
from symconv.core.tensors import Role, Tensor
from symconv.engine.sections import leading_axes


def test_a_misspelt_role_is_refused():
    with pytest.raises(TypeError, match="Role.WEIGHT; got 'wieght'"):
        Tensor("W", (2, 2), "wieght", leading_axes=("f", "c"))  # type: ignore[arg-type]


def test_roles_are_the_five_a_problem_has():
    assert [role.value for role in Role] == ["input", "weight", "bias", "output", "upstream"]


def request(table: dict) -> LayerRequest:
    x = Tensor("X", (3, 3), Role.INPUT, rank=1, leading_axes=("n", "c"))
    return LayerRequest(table, ("layers", 0), x, 2, 1, "Y")


def test_a_layer_type_builds_parameters_of_the_roles_it_declares():
    layer = LAYER_TYPES["conv"].built(request({"type": "conv", "weight": {"shape": [2, 2]},
                                               "bias": {"values": [1]}}))
    assert [p.role for p in layer.parameters] == [Role.WEIGHT, Role.BIAS]


def test_a_parameter_of_an_undeclared_role_is_a_bug_in_the_layer_type():
    undeclaring = replace(LAYER_TYPES["conv"], roles=(Role.WEIGHT,))
    with pytest.raises(TypeError, match="made b a bias, a role it does not declare"):
        undeclaring.built(request({"type": "conv", "weight": {"shape": [2, 2]}, "bias": {"values": [1]}}))



# One table per registered layer type, for a batch of 2 images of 3 channels (a new layer type
# adds its own here: the test below fails until it does).
TABLES = {
    "conv": {"type": "conv", "weight": {"shape": [4, 3, 2, 2]}, "bias": {}},
    "conv_transpose": {"type": "conv_transpose", "weight": {"shape": [3, 4, 2, 2]}, "bias": {}},
    "maxpool": {"type": "maxpool", "kernel_size": 2},
    "avgpool": {"type": "avgpool", "kernel_size": 2},
    "lppool": {"type": "lppool", "kernel_size": 2},
    "relu": {"type": "relu"},
    "sigmoid": {"type": "sigmoid"},
}

#: What each layer type names its tensors' axes in front of the spatial ones (PyTorch's layouts:
#: a convolution's weight [F, C/groups, K…], a transposed one's [C_in, C_out/groups, K…]).
LEADING = {"conv": {"W": ("f", "c"), "b": ("f",), "Y": ("n", "f")},
           "conv_transpose": {"W": ("c", "f"), "b": ("f",), "Y": ("n", "f")}}


def batch_request(table: dict) -> LayerRequest:
    x = Tensor("X", (2, 3, 4, 4), Role.INPUT, rank=1, leading_axes=("n", "c"))
    return LayerRequest(table, ("layers", 0), x, 2, 1, "Y")


def test_a_tensor_names_its_leading_axes():
    with pytest.raises(TypeError, match="leading_axes"):
        Tensor("W", (2, 2, 3, 3), Role.WEIGHT)  # type: ignore[call-arg]


def test_every_layer_type_names_every_axis_in_front_of_the_spatial_ones():
    assert set(TABLES) == set(LAYER_TYPES), "add a table for the new layer type to TABLES"
    for kind, layer_type in LAYER_TYPES.items():
        layer = layer_type.built(batch_request(TABLES[kind]))
        named = {t.name: leading_axes(t, 2) for t in (*layer.parameters, layer.output)}
        spatial_tensors = [t for t in (*layer.parameters, layer.output) if len(t.shape) >= 2]
        assert all(len(named[t.name]) == len(t.shape) - 2 for t in spatial_tensors), (kind, named)
        declared = {t.name: t.leading_axes for t in (*layer.parameters, layer.output)}
        assert declared == LEADING.get(kind, {"Y": ("n", "f")}), kind


def test_the_engine_reads_the_axes_a_tensor_declares():
    """A transposed convolution's weight keeps its input channels first; one image (C × H × W)
    and a single kernel (K × K) have the last of the declared names, or none."""
    w = LAYER_TYPES["conv_transpose"].built(batch_request(TABLES["conv_transpose"])).weight
    assert leading_axes(w, 2) == ("c", "f")
    image = Tensor("X", (3, 4, 4), Role.INPUT, leading_axes=("n", "c"))
    kernel = Tensor("W", (2, 2), Role.WEIGHT, leading_axes=("f", "c"))
    assert (leading_axes(image, 2), leading_axes(kernel, 2)) == (("c",), ())


def test_a_layer_type_that_leaves_an_axis_unnamed_is_refused():
    def build(request: LayerRequest) -> object:
        layer = LAYER_TYPES["relu"].build(request)
        return replace(layer, output=replace(layer.output, leading_axes=("f",)))

    unnaming = replace(LAYER_TYPES["relu"], build=build)
    with pytest.raises(TypeError, match=r"made Y with 2 axes in front of the spatial ones but named \('f',\)"):
        unnaming.built(batch_request(TABLES["relu"]))
