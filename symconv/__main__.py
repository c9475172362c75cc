"""``python -m symconv``: the same CLI as the ``symconv`` console script."""

import sys

from .cli import main

sys.exit(main())
