"""`python -m lawcode …`: the same as the `lawcode` command, every command registered.

(`python -m lawcode.cli` runs cli.py as `__main__`, a second copy of the module that
the other command modules do not register on.) The program name is fixed to `lawcode`
so that usage lines and shell completion (`_LAWCODE_COMPLETE`) read as for the command.
"""

import sys

from lawcode import commands  # noqa: F401  (registers the commands)
from lawcode.cli import cli

try:
    cli.main(prog_name="lawcode")
except KeyboardInterrupt:  # pragma: no cover
    sys.exit(130)
