"""Keep ruleset text from a browser inside its ruleset folder.

`schema "…"` and `import "…"` in user text are paths the compiler would read from disk.
Before compiling, every such path is resolved (symlinks included) and must land inside
the chosen ruleset folder; otherwise the request is refused with a diagnostic at the
offending line. Files already inside the folder are trusted, so their own imports are
left to the compiler. Text that does not parse cannot name a file, and is passed on to
the compiler to report its syntax errors; nor can a path with a NUL byte or a name too
long for a file system, which the compiler reports at its line (E061) without touching
the disk, as it refuses a file of the wrong kind inside the folder (`import "x.env"`).
"""

from __future__ import annotations

from pathlib import Path

from lawcode.compiler.reading import FileRefused, check_path
from lawcode.dsl import ast, parse_module
from lawcode.dsl.diagnostics import Diagnostic, LawcodeError

CODE = "P001"


def check_paths(text: str, name: str, base: Path, folder: Path, folder_id: str) -> None:
    """Raise `LawcodeError` if the text's schema/import paths, relative to `base`, leave `folder`."""
    try:
        module = parse_module(text, name)
    except LawcodeError:
        return
    root = folder.resolve()
    problems = []
    for decl in module.declarations:
        if not isinstance(decl, ast.Import | ast.SchemaDecl):
            continue
        try:
            check_path(decl.path)
        except FileRefused:
            continue  # names no file: the compiler says so at its line
        target = (base / decl.path).resolve()
        if target == root or not target.is_relative_to(root):
            what = "import" if isinstance(decl, ast.Import) else "schema"
            problems.append(
                Diagnostic(
                    CODE,
                    f"the playground only reads files of the ruleset folder `{folder_id}`; `{decl.path}` is outside it",
                    decl.span,
                    hint=f"name the {what} file relative to `{folder_id}/`, e.g. `{what} \"{_example(root, what)}\"`",
                )
            )
    if problems:
        raise LawcodeError(problems, {name: text})


def _example(root: Path, what: str) -> str:
    pattern = "*.law" if what == "import" else "*schema.json"
    found = sorted(p.relative_to(root).as_posix() for p in root.glob(pattern))
    return found[0] if found else ("module.law" if what == "import" else "snapshot.schema.json")
