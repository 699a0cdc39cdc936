"""Shared fixtures: isolated settings, a fresh SQLite file, and a throwaway Postgres database.

Postgres tests use FITCOACH_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
Each test gets its own database, created with CREATE DATABASE and dropped afterwards, so the
URL's user needs the CREATEDB privilege; the database in the URL is only used to connect.
Without a reachable server those tests skip, unless FITCOACH_REQUIRE_POSTGRES=1 (as in CI),
where they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url

from fitcoach.config import Settings, load_settings
from fitcoach.store import Database, open_database, upgrade

if TYPE_CHECKING:
    from fitcoach.agent.engines.piper_tts import PiperTTS
    from fitcoach.agent.engines.whisper_stt import WhisperSTT

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
_SETTINGS_ENV = [name.upper() for name in Settings.model_fields] + [
    "FITCOACH_DATA_DIR",
    "FITCOACH_LOG_LEVEL",
    "FITCOACH_DEBUG",
]


def postgres_admin_url() -> str:
    return os.environ.get("FITCOACH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


async def _admin_execute(statement: str) -> None:
    import asyncpg

    url = make_url(postgres_admin_url())
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
        timeout=3,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


_postgres_problem: str | None = None
_postgres_checked = False


def _postgres_unavailable() -> str | None:
    """Why Postgres tests cannot run here, or None when they can (checked once)."""
    global _postgres_checked, _postgres_problem
    if not _postgres_checked:
        _postgres_checked = True
        try:
            asyncio.run(_admin_execute("SELECT 1"))
        except Exception as exc:  # any failure means "no usable server"
            _postgres_problem = (
                f"no PostgreSQL at {make_url(postgres_admin_url()).render_as_string()} "
                f"({type(exc).__name__}); set FITCOACH_TEST_POSTGRES_URL"
            )
    return _postgres_problem


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty Postgres database that is dropped after the test."""
    problem = _postgres_unavailable()
    if problem is not None:
        if os.environ.get("FITCOACH_REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    name = f"fitcoach_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fitcoach-test.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that uses this runs once on SQLite and once on Postgres."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting leaks in from the developer's shell or a .env in the checkout."""
    for name in _SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "data"
    monkeypatch.setenv("FITCOACH_DATA_DIR", str(home))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def settings_for(database_url: str) -> Settings:
    return load_settings(database_url=database_url)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend."""
    db = open_database(load_settings(database_url=database_url))
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()


# The offline engines, loaded once for the whole test session.
@pytest.fixture(scope="session")
def whisper() -> WhisperSTT:
    from fitcoach.agent.engines.whisper_stt import WhisperSTT

    return WhisperSTT.load()


@pytest.fixture(scope="session")
def piper() -> PiperTTS:
    from fitcoach.agent.engines.piper_tts import PiperTTS

    return PiperTTS.load()
