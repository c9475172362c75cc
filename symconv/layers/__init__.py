"""Layer types, one home each, registered in :mod:`.registry` (see its docstring for what a layer
type provides). Importing this package registers every type; adding one means adding its module
here and one :func:`~.registry.register` call in it."""

# In the order the problem file's error messages list them.
from . import conv  # noqa: I001
from . import maxpool, avgpool, lppool, relu  # noqa: I001
from .registry import LAYER_TYPES, Layer, LayerRequest, LayerType, WrongVariant, layer_type

__all__ = ["LAYER_TYPES", "Layer", "LayerRequest", "LayerType", "WrongVariant", "avgpool", "conv",
           "layer_type", "lppool", "maxpool", "relu"]
