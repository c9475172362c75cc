"""``python -m symconv``: the same CLI as the ``symconv`` console script."""

from .cli import main

main()
