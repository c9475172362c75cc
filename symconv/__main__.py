"""``python -m symconv``: the same CLI as the ``symconv`` console script."""

from .interface.cli import main

main()
