"""Schema migrations, run from inside fitcoach so they work from an installed wheel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from fitcoach.config import Settings
from fitcoach.errors import DatabaseNotMigrated, InvalidInput
from fitcoach.store.database import Database, open_database, translate_error

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def schema_state(database: Database) -> SchemaState:
    await database.ping()
    try:
        async with database.engine.connect() as connection:
            current = await connection.run_sync(_current)
    except SQLAlchemyError as exc:
        raise translate_error(exc, database.url) from exc
    return SchemaState(current=current, head=head_revision())


async def _run(database: Database, action: str, revision: str) -> SchemaState:
    def run(connection: Connection) -> None:
        config = alembic_config(connection)
        getattr(command, action)(config, revision)

    await database.ping()
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(run)
    except CommandError as exc:
        raise InvalidInput(f"cannot {action} to '{revision}': {exc}") from None
    except SQLAlchemyError as exc:
        raise translate_error(exc, database.url) from exc
    return await schema_state(database)


async def upgrade(database: Database, revision: str = "head") -> SchemaState:
    return await _run(database, "upgrade", revision)


async def downgrade(database: Database, revision: str) -> SchemaState:
    return await _run(database, "downgrade", revision)


async def ensure_migrated(database: Database, *, auto_upgrade: bool) -> None:
    """Make sure the schema is at head: upgrade it when allowed, else say how to.

    The local SQLite database is upgraded automatically (a laptop user should never have
    to think about it); a server database is migrated as a deployment step.
    """
    state = await schema_state(database)
    if state.up_to_date:
        return
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if state.current is not None and state.current not in known:
        raise DatabaseNotMigrated(
            f"the {database.description} is at schema revision {state.current}, which this "
            "version of fitcoach does not know: upgrade fitcoach"
        )
    if auto_upgrade:
        await upgrade(database)
        return
    raise DatabaseNotMigrated(
        f"the {database.description} is not migrated "
        f"(at {state.current or 'no revision'}, needs {state.head}): run `fitcoach db upgrade`"
    )


async def open_migrated_database(settings: Settings) -> Database:
    """The configured database, reachable and at the current schema.

    The local SQLite database is brought up to date on the spot; any other database must
    be migrated explicitly (`fitcoach db upgrade`) and says so otherwise.
    """
    database = open_database(settings)
    try:
        await ensure_migrated(database, auto_upgrade=database.dialect == "sqlite")
    except BaseException:
        await database.dispose()
        raise
    return database
