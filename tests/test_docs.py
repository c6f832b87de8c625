"""The documentation lists every setting and every command (datasette-style doc tests)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from clusterobs import config
from clusterobs.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented_and_nothing_else() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", text, re.M))
    assert documented == {s.name for s in config.SETTINGS}


def _commands(group: typer.main.TyperGroup, prefix: str = "") -> set[str]:
    out = set()
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            out |= _commands(cmd, full + " ")
        else:
            out.add(full)
    return out


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(typer.main.get_group(app))
    missing = sorted(c for c in commands if f"`clusterobs {c}" not in text)
    assert not missing, f"docs/cli.md lacks: {missing}"
