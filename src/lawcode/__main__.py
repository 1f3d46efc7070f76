"""`python -m lawcode …`: the same as the `lawcode` command, every command registered.

(`python -m lawcode.cli` runs cli.py as `__main__`, a second copy of the module that
the other command modules do not register on.) The program name is fixed to `lawcode`
so that usage lines and shell completion (`_LAWCODE_COMPLETE`) read as for the command.
"""

from lawcode.cli import main

main(prog_name="lawcode")
