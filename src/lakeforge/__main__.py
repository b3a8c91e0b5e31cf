"""``python -m lakeforge``."""

from lakeforge.cli.app import main

main()
