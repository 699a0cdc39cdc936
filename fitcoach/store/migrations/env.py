"""Alembic environment.

fitcoach runs migrations itself (`fitcoach db upgrade`, and on first use of the default
SQLite database) and passes an open connection in `config.attributes["connection"]`.
Run directly through the `alembic` command (for `alembic revision --autogenerate` during
development), it connects to the database the settings name.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import fitcoach.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    from fitcoach.config import load_settings
    from fitcoach.store.database import open_database

    database = open_database(load_settings())
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await database.dispose()


given_connection = context.config.attributes.get("connection")
if given_connection is not None:
    run_migrations(given_connection)
elif context.is_offline_mode():
    raise SystemExit("fitcoach migrations run online only: use `fitcoach db upgrade`")
else:
    asyncio.run(_run_from_settings())
