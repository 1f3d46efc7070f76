"""The rulesets bundled with lawcode (the CAC regulations), shipped as package data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["bundled_path"]


def bundled_path(name: str = "cac") -> Path:
    """Filesystem path of a bundled ruleset folder, wherever the package is installed."""
    return Path(str(resources.files("lawcode.rulesets").joinpath(name)))
