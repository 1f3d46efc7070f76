"""lawcode: regulations as declarative, cited, checkable rules.

The public API, stable across minor versions. Everything else is internal.

The names are loaded on first use (PEP 562): `import lawcode.dsl.parser` must cost the
parser alone, not the compiler, the engine and jsonschema, since importing any
submodule runs this file first. `from lawcode import Ruleset` and `lawcode.Ruleset`
work as if they were imported here, and `dir(lawcode)` lists them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from lawcode.api import Ruleset, load_ruleset
    from lawcode.compiler import Program
    from lawcode.compiler.ir import Citation
    from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
    from lawcode.dsl.spans import Span
    from lawcode.engine import Evidence, NotInForce, Report, Snapshot, Subject, Undetermined, Violation

__version__ = "0.1.0"

# Each public name -> the module that defines it.
_EXPORTS = {
    "Citation": "lawcode.compiler.ir",
    "Diagnostic": "lawcode.dsl.diagnostics",
    "Evidence": "lawcode.engine",
    "LawcodeError": "lawcode.dsl.diagnostics",
    "NotInForce": "lawcode.engine",
    "Program": "lawcode.compiler",
    "Report": "lawcode.engine",
    "Ruleset": "lawcode.api",
    "Snapshot": "lawcode.engine",
    "Span": "lawcode.dsl.spans",
    "Subject": "lawcode.engine",
    "Undetermined": "lawcode.engine",
    "Violation": "lawcode.engine",
    "load_ruleset": "lawcode.api",
}

__all__ = [
    "Citation",
    "Diagnostic",
    "Evidence",
    "LawcodeError",
    "NotInForce",
    "Program",
    "Report",
    "Ruleset",
    "Snapshot",
    "Span",
    "Subject",
    "Undetermined",
    "Violation",
    "__version__",
    "load_ruleset",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, then keep the name here."""
    if name not in _EXPORTS:
        # AttributeError (not KeyError) lets `from lawcode import cli` fall back to the submodule.
        raise AttributeError(f"module 'lawcode' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
