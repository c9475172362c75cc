"""Run symconv from a checkout without installing: ``python cli.py --help``."""

from symconv.interface.cli import main

if __name__ == "__main__":
    main()
