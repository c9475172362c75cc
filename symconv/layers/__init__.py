"""Layer types, one home each, registered in :mod:`symconv.engine.registry` (see its docstring for
what a layer type provides). Importing this package registers every type; adding one means adding
its module and one import line here, in the order the problem file's error messages list the types."""

from ..core.contract import Layer
from ..engine.registry import LAYER_TYPES, Im2col, LayerRequest, LayerType, WrongVariant, layer_type

# Each import registers its layer type; the order is the listed one.
from . import conv  # noqa: F401
from . import conv_transpose  # noqa: F401
from . import maxpool  # noqa: F401
from . import avgpool  # noqa: F401
from . import lppool  # noqa: F401
from . import relu  # noqa: F401
from . import sigmoid  # noqa: F401

__all__ = ["LAYER_TYPES", "Im2col", "Layer", "LayerRequest", "LayerType", "WrongVariant", "layer_type"]
