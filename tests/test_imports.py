"""Importing lawcode costs what is used: the top-level package loads its names lazily.

Each check runs in a fresh interpreter, since this test process has already imported
the compiler and the engine (which would hide an eager import).
"""

from __future__ import annotations

import subprocess
import sys

import lawcode


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_importing_the_parser_loads_neither_the_compiler_nor_the_engine() -> None:
    loaded = run_python(
        "import sys, lawcode.dsl.parser\n"
        "print('\\n'.join(sorted(sys.modules)))"
    ).split()
    heavy = [m for m in loaded if m.startswith(("lawcode.compiler", "lawcode.engine", "lawcode.api", "jsonschema"))]
    assert "lawcode.dsl.parser" in loaded
    assert not heavy, heavy


def test_every_public_name_imports_from_the_top_and_is_listed() -> None:
    names = [n for n in lawcode.__all__ if n != "__version__"]
    out = run_python(
        f"from lawcode import {', '.join(names)}\n"
        "import lawcode\n"
        "missing = [n for n in lawcode.__all__ if n not in dir(lawcode)]\n"
        f"wrong = [n for n in {names!r} if getattr(lawcode, n) is not globals()[n]]\n"
        "print(missing, wrong, lawcode.__version__)"
    )
    assert out.split(" ", 2)[:2] == ["[]", "[]"], out


def test_an_unknown_name_is_an_attribute_error_and_submodules_still_import() -> None:
    out = run_python(
        "import lawcode\n"
        "try:\n    lawcode.no_such_name\nexcept AttributeError as e:\n    print('AttributeError', e)\n"
        "from lawcode import cli, testing\n"
        "print(cli.__name__, testing.__name__)"
    )
    assert "AttributeError module 'lawcode' has no attribute 'no_such_name'" in out
    assert "lawcode.cli lawcode.testing" in out
