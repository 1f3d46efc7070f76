"""Commands beyond check/lint, each in its own module, registered here in one place.

Each module defines click commands and calls `lawcode.cli.register(command)` at import.
"""

from lawcode.playground import command as _playground  # noqa: E402, F401
from lawcode import cmd_fmt as _fmt  # noqa: E402, F401
