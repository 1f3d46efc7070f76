"""The example picker's contents: ruleset folders, their `.law` files and example snapshots.

Folders are discovered on every request, not at start-up, so a server left running
picks up the CAC rulesets (or an edited example) as soon as they are on disk. A request
names a folder by id and a file by its listed name; nothing a client sends is ever used
as a path, so the picker cannot be turned into a file reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lawcode.rulesets import bundled_path

_RULE = re.compile(r"^[ \t]*rule[ \t]+[a-z]", re.MULTILINE)
_DOCUMENT = re.compile(r"^[ \t]*document[ \t]+([a-z][a-z0-9]*(?:-[a-z0-9]+)*)", re.MULTILINE)
_SKIPPED_DIRS = {"tests", "test", "__pycache__"}
MAX_EXAMPLE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RulesetFile:
    """A `.law` file of a folder; `rules` tells entry points apart from shared modules."""

    name: str
    rules: int
    documents: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "rules": self.rules, "documents": list(self.documents)}


@dataclass(frozen=True, slots=True)
class Folder:
    """A ruleset folder: what its files' `schema` and `import` paths are relative to."""

    id: str
    path: Path
    bundled: bool
    rulesets: tuple[RulesetFile, ...]
    examples: tuple[str, ...]

    @property
    def rule_count(self) -> int:
        return sum(f.rules for f in self.rulesets)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "bundled": self.bundled,
            "rulesets": [f.to_json() for f in self.rulesets],
            "examples": list(self.examples),
        }


class NotListed(LookupError):
    """A folder or file the catalog does not list (the API answers 404)."""


@dataclass(frozen=True, slots=True)
class Catalog:
    folders: tuple[Folder, ...]

    @classmethod
    def discover(cls, extra: Sequence[Path] = ()) -> Catalog:
        """The bundled folders (`lawcode.rulesets.*`) that hold `.law` files, then `extra`."""
        found: list[Folder] = []
        taken: set[str] = set()
        root = bundled_path("cac").parent
        candidates = [(p, True) for p in sorted(root.iterdir()) if p.is_dir() and p.name not in _SKIPPED_DIRS]
        candidates += [(Path(p), False) for p in extra]
        for path, bundled in candidates:
            folder = _scan(path, _unique(path.name, taken), bundled)
            if folder is not None:
                taken.add(folder.id)
                found.append(folder)
        return cls(tuple(found))

    def folder(self, folder_id: str | None) -> Folder:
        """The folder with this id; None means the default one."""
        if folder_id is None:
            default = self.default()
            if default is None:
                raise NotListed("no ruleset folder is available")
            return default
        for folder in self.folders:
            if folder.id == folder_id:
                return folder
        raise NotListed(f"no ruleset folder `{folder_id}`; available: {', '.join(f.id for f in self.folders) or 'none'}")

    def default(self) -> Folder | None:
        """The CAC rulesets once they have rules; until then the first folder with rules."""
        with_rules = [f for f in self.folders if f.rule_count]
        for folder in with_rules:
            if folder.bundled and folder.id == "cac":
                return folder
        if with_rules:
            return with_rules[0]
        return self.folders[0] if self.folders else None

    def read(self, folder_id: str, name: str) -> str:
        """The text of a listed ruleset or example file."""
        folder = self.folder(folder_id)
        listed = {f.name for f in folder.rulesets} | set(folder.examples)
        if name not in listed:
            raise NotListed(f"`{name}` is not a ruleset or example of `{folder.id}`")
        path = folder.path / name
        if path.stat().st_size > MAX_EXAMPLE_BYTES:
            raise NotListed(f"`{name}` is too large to open in the playground")
        return path.read_text(encoding="utf-8")

    def to_json(self) -> dict[str, object]:
        default = self.default()
        choice: dict[str, object] | None = None
        if default is not None:
            entry = next((f.name for f in default.rulesets if f.rules), None)
            example = next((e for e in default.examples if "violation" in e), default.examples[0] if default.examples else None)
            choice = {"folder": default.id, "ruleset": entry, "snapshot": example}
        return {"folders": [f.to_json() for f in self.folders], "default": choice}


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}-{n}", n + 1
    return candidate


def _scan(path: Path, folder_id: str, bundled: bool) -> Folder | None:
    if not path.is_dir():
        return None
    rulesets = []
    for file in _files(path, "*.law"):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        rulesets.append(RulesetFile(file.relative_to(path).as_posix(), len(_RULE.findall(text)), tuple(_DOCUMENT.findall(text))))
    if not rulesets:
        return None
    examples = [
        f.relative_to(path).as_posix()
        for f in _files(path, "*.json")
        if not f.name.endswith("schema.json") and (f.parent == path or "examples" in f.relative_to(path).parts)
    ]
    return Folder(folder_id, path.resolve(), bundled, tuple(rulesets), tuple(examples))


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(
        p for p in root.rglob(pattern) if p.is_file() and not _SKIPPED_DIRS.intersection(p.relative_to(root).parts[:-1])
    )
