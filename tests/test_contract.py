"""The layer contract at run time: roles are a closed set, and a layer type declares its parameters'.
(That a layer class has every member of :class:`symconv.core.contract.Layer` is mypy's check, at each
layer type's ``register``.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

from symconv.layers import LAYER_TYPES, LayerRequest
from symconv.core.tensors import Role, Tensor


def test_a_misspelt_role_is_refused():
    with pytest.raises(TypeError, match="Role.WEIGHT; got 'wieght'"):
        Tensor("W", (2, 2), "wieght")  # type: ignore[arg-type]


def test_roles_are_the_five_a_problem_has():
    assert [role.value for role in Role] == ["input", "weight", "bias", "output", "upstream"]


def request(table: dict) -> LayerRequest:
    x = Tensor("X", (3, 3), Role.INPUT, rank=1)
    return LayerRequest(table, ("layers", 0), x, 2, 1, "Y")


def test_a_layer_type_builds_parameters_of_the_roles_it_declares():
    layer = LAYER_TYPES["conv"].built(request({"type": "conv", "weight": {"shape": [2, 2]},
                                               "bias": {"values": [1]}}))
    assert [p.role for p in layer.parameters] == [Role.WEIGHT, Role.BIAS]


def test_a_parameter_of_an_undeclared_role_is_a_bug_in_the_layer_type():
    undeclaring = replace(LAYER_TYPES["conv"], roles=(Role.WEIGHT,))
    with pytest.raises(TypeError, match="made b a bias, a role it does not declare"):
        undeclaring.built(request({"type": "conv", "weight": {"shape": [2, 2]}, "bias": {"values": [1]}}))

