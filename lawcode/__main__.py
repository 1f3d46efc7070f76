"""`python -m lawcode …`: the same as the `lawcode` command, every command registered.

(`python -m lawcode.cli` runs cli.py as `__main__`, a second copy of the module that
the other command modules do not register on.)
"""

from lawcode.cli import main

main()
