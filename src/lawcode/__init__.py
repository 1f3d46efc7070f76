"""lawcode: regulations as declarative, cited, checkable rules.

The public API, stable across minor versions. Everything else is internal.
"""

from lawcode.api import Ruleset, load_ruleset
from lawcode.compiler import Program
from lawcode.compiler.ir import Citation
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError
from lawcode.dsl.spans import Span
from lawcode.engine import Evidence, NotInForce, Report, Snapshot, Subject, Undetermined, Violation

__version__ = "0.1.0"

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
