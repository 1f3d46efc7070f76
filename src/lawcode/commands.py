"""Commands beyond check/lint, each in its own module, registered here in one place.

Each module defines click commands and calls `lawcode.cli.register(command)` at import.
"""

from lawcode import cmd_explain as _explain  # noqa: F401
from lawcode import cmd_fmt as _fmt  # noqa: F401
from lawcode import cmd_graph as _graph  # noqa: F401
from lawcode import cmd_snapshot as _snapshot  # noqa: F401
from lawcode import coverage as _coverage  # noqa: F401
from lawcode import testing as _testing  # noqa: F401
from lawcode.playground import command as _playground  # noqa: F401
