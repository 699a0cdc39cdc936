"""The layer rules the README promises, checked on every import in the package (lazy ones
inside functions included): store < coach < agent < runner < cli, only store/ speaks SQL,
coach/ never imports livekit, and only cli/ draws on a terminal."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fitcoach"
# Each layer and the fitcoach layers it may import; modules at the top of the package
# (settings, errors, the provider table, small utilities) are the base every layer uses.
LAYERS = ["base", "store", "coach", "agent", "runner", "cli"]
SQL = ("sqlalchemy", "sqlmodel", "alembic", "asyncpg", "aiosqlite")
TERMINAL = ("typer", "rich")


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    if len(relative.parts) == 1:
        return "cli" if relative.name == "__main__.py" else "base"
    return relative.parts[0]


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def fitcoach_layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "fitcoach":
        return None
    if len(parts) == 1 or parts[1] not in LAYERS:
        return "base"
    return parts[1]


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_only(path: Path) -> None:
    layer = layer_of(path)
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    upward = [
        module
        for module in imported_modules(path)
        if (target := fitcoach_layer(module)) is not None and target not in allowed
    ]
    assert upward == [], f"{layer} imports from a higher layer"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_store_speaks_sql_and_only_the_cli_draws(path: Path) -> None:
    layer = layer_of(path)
    modules = imported_modules(path)
    roots = {module.split(".")[0] for module in modules}
    if layer != "store":
        assert not roots & set(SQL), "SQL libraries belong in fitcoach/store"
    if layer != "cli":
        assert not roots & set(TERMINAL), "typer and rich belong in fitcoach/cli"
    if layer in ("base", "store", "coach"):
        assert "livekit" not in roots, "livekit belongs in fitcoach/agent and above"


def test_the_rules_are_checked_on_every_layer() -> None:
    assert {layer_of(path) for path in SOURCES} == set(LAYERS)
