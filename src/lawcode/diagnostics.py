"""The public name of lawcode's diagnostics: `Diagnostic`, `LawcodeError` and their helpers.

They are defined in `lawcode.dsl.diagnostics`, the lowest layer, so that the compiler and
the engine report through them without importing from the application; this module
keeps `from lawcode.diagnostics import LawcodeError` working for users of the API.
"""

from lawcode.dsl.diagnostics import Diagnostic, LawcodeError, Level, did_you_mean, error, visible

__all__ = ["Diagnostic", "LawcodeError", "Level", "did_you_mean", "error", "visible"]
