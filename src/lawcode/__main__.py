"""`python -m lawcode …`: the same as the `lawcode` command.

The program name is fixed to `lawcode` so that usage lines and shell completion
(`_LAWCODE_COMPLETE`) read as for the command.
"""

from lawcode.cli import main

main(prog_name="lawcode")
