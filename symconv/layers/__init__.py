"""Layers: immutable configurations whose connectivity the derivation engine consumes."""

from .base import Connections, Constant, EntryOf, Layer
from .conv import ConvGeometry, ConvLayer, declared_output_shape, output_length

__all__ = ["Connections", "Constant", "ConvGeometry", "ConvLayer", "EntryOf", "Layer",
           "declared_output_shape", "output_length"]
