"""The page's own files: nothing from the network, no HTML built from strings."""

from __future__ import annotations

import re
from pathlib import Path

from lawcode.playground.app import STATIC

OWN_JS = sorted((STATIC / "js").glob("*.js"))


def test_the_page_escapes_by_construction() -> None:
    # Text from input reaches the DOM only as text nodes (dom.js); no markup sinks at all.
    sinks = re.compile(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|createContextualFragment")
    assert OWN_JS
    offenders = [f"{p.name}:{n}" for p in OWN_JS for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if sinks.search(line)]
    assert not offenders, offenders


def test_nothing_is_loaded_from_elsewhere() -> None:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    for path in OWN_JS:
        imports = re.findall(r"""from\s+["']([^"']+)["']""", path.read_text(encoding="utf-8"))
        for target in imports:
            assert target.startswith("./") or target.startswith("../"), f"{path.name} imports {target}"
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports missing {target}"


def test_the_vendored_editor_carries_its_licences_and_recipe() -> None:
    vendor = STATIC / "vendor"
    bundle = (vendor / "codemirror.js").read_text(encoding="utf-8")
    exported = set(re.findall(r"\b(\w+) as (\w+)\b", bundle.rsplit("export{", 1)[1]))
    wanted = set(re.findall(r"\b([A-Za-z]+)\b", (vendor / "codemirror.entry.js").read_text(encoding="utf-8").split("export", 1)[1]))
    names = {alias for _, alias in exported}
    used = set()
    for path in OWN_JS:
        for group in re.findall(r"import\s*\{([^}]*)\}\s*from\s*\"\.\./vendor/codemirror\.js\"", path.read_text(encoding="utf-8")):
            used |= {name.strip() for name in group.split(",") if name.strip()}
    assert used and used <= names, used - names
    assert used <= wanted
    licences = (vendor / "LICENSES.txt").read_text(encoding="utf-8")
    recipe = (vendor / "README.md").read_text(encoding="utf-8")
    for package in ("codemirror@6.0.2", "@codemirror/view@", "@codemirror/lint@", "@lezer/json@", "style-mod@"):
        assert package in licences
    assert "esbuild entry.js --bundle" in recipe
    assert Path(vendor / "codemirror.entry.js").is_file()
