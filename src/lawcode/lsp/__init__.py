"""The lawcode language server: diagnostics, hover, navigation, completion and
formatting for editors, over the Language Server Protocol (`lawcode lsp`).

`server` wires pygls to the feature modules; `workspace` holds the rulesets and their
checks (the compiler passes of `lawcode lint`); `positions` converts between lawcode's
spans and LSP positions.
"""

from __future__ import annotations

__all__: list[str] = []
