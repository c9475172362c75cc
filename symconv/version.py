"""symconv's version, in one place: the package, the ``--version`` option and the build read it."""

__version__ = "0.1.0"
