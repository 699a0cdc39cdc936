"""A throwaway Postgres database for a benchmark, created and dropped on the given server."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

from sqlalchemy.engine import make_url

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """FITCOACH_BENCH_POSTGRES_URL names a server and a database to connect to for admin."""
    return os.environ.get("FITCOACH_BENCH_POSTGRES_URL", DEFAULT_SERVER_URL)


async def _admin(statement: str) -> None:
    import asyncpg

    url = make_url(server_url())
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


@contextlib.asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """Yields the URL of a new, empty database; drops it afterwards."""
    name = f"fitcoach_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
