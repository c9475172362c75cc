"""Run symconv from a checkout without installing: ``python cli.py --help``."""

import sys

from symconv.cli import main

if __name__ == "__main__":
    sys.exit(main())
