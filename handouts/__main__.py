"""Allow `python -m handouts`."""

from handouts.cli import cli

cli(prog_name="handouts")
