"""Migrations on SQLite and Postgres: they build the schema the models describe, both ways."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from fitcoach.config import load_settings
from fitcoach.errors import DatabaseNotMigrated
from fitcoach.store import downgrade, head_revision, open_database, schema_state, upgrade
from fitcoach.store.migrate import ensure_migrated

REPO = Path(__file__).resolve().parents[1]
TABLES = {
    "users",
    "user_profiles",
    "user_preferences",
    "workout_plans",
    "planned_exercises",
    "meal_plans",
    "planned_meals",
    "workout_logs",
}


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_autogenerate_finds_no_difference_between_models_and_migrations(
    database_url: str,
) -> None:
    database = open_database(load_settings(database_url=database_url))
    try:
        await upgrade(database)
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_tables) == TABLES
    finally:
        await database.dispose()


async def test_downgrade_to_base_and_back(database_url: str) -> None:
    database = open_database(load_settings(database_url=database_url))
    try:
        state = await upgrade(database)
        assert state.current == head_revision() and state.up_to_date
        state = await downgrade(database, "base")
        assert state.current is None
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()
        assert (await upgrade(database)).up_to_date
    finally:
        await database.dispose()


async def test_workout_logs_columns_match_the_seed_design(database_url: str) -> None:
    database = open_database(load_settings(database_url=database_url))
    try:
        await upgrade(database)

        def describe(connection: Connection) -> tuple[dict[str, object], set[str]]:
            inspector = inspect(connection)
            columns = {c["name"]: c for c in inspector.get_columns("workout_logs")}
            indexed = {tuple(i["column_names"])[0] for i in inspector.get_indexes("workout_logs")}
            return columns, indexed  # type: ignore[return-value]

        async with database.engine.connect() as connection:
            columns, indexed = await connection.run_sync(describe)
        assert {"id", "user_id", "exercise", "reps", "weight_kg", "logged_at", "created_at"} <= set(
            columns
        )
        assert columns["exercise"]["type"].length == 255  # type: ignore[index]
        assert columns["created_at"]["default"] is not None  # type: ignore[index]
        assert {"user_id", "logged_at"} <= indexed
    finally:
        await database.dispose()


async def test_postgres_database_is_not_migrated_implicitly(postgres_url: str) -> None:
    database = open_database(load_settings(database_url=postgres_url))
    try:
        with pytest.raises(DatabaseNotMigrated, match="fitcoach db upgrade"):
            await ensure_migrated(database, auto_upgrade=False)
        assert (await schema_state(database)).current is None
    finally:
        await database.dispose()


async def test_sqlite_database_is_migrated_on_first_use(sqlite_url: str) -> None:
    database = open_database(load_settings(database_url=sqlite_url))
    try:
        await ensure_migrated(database, auto_upgrade=True)
        assert (await schema_state(database)).up_to_date
    finally:
        await database.dispose()


def test_migrations_run_from_an_installed_wheel(tmp_path: Path) -> None:
    """Build the wheel, install it outside the checkout, and migrate a database with it."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("fitcoach-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "fitcoach/store/migrations/env.py" in names
    assert "fitcoach/store/migrations/script.py.mako" in names
    assert any(n.startswith("fitcoach/store/migrations/versions/0001") for n in names)

    target = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {
        **os.environ,
        # The installed copy first; dependencies still come from this interpreter.
        "PYTHONPATH": str(target),
        "FITCOACH_DATA_DIR": str(tmp_path / "data"),
    }
    script = (
        "import fitcoach, sys; "
        "assert fitcoach.__file__.startswith(sys.argv[1]), fitcoach.__file__; "
        "from fitcoach.cli import main; sys.argv = ['fitcoach', 'db', 'upgrade']; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(target)],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()} (up to date)" in result.stdout
