"""``python -m socialflow``: the same as the ``socialflow`` command."""

from socialflow.cli import main

main()
