"""Layers: immutable configurations whose connectivity the derivation engine consumes."""

from .activation import ReluLayer
from .base import (Connections, Constant, EntryOf, InWindow, IsMax, IsPositive, Layer, LpFactor,
                   LpRoot, Numbers, Positive, WindowMax)
from .conv import ConvGeometry, ConvLayer, declared_output_shape, output_length
from .pool import AvgPoolLayer, LpPoolLayer, MaxPoolLayer, PoolGeometry

__all__ = ["AvgPoolLayer", "Connections", "Constant", "ConvGeometry", "ConvLayer", "EntryOf",
           "InWindow", "IsMax", "IsPositive", "Layer", "LpFactor", "LpPoolLayer", "LpRoot",
           "MaxPoolLayer", "Numbers", "PoolGeometry", "Positive", "ReluLayer", "WindowMax",
           "declared_output_shape", "output_length"]
