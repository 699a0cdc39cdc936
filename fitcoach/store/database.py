"""The one async engine factory, and the translation of driver failures into user errors.

SQLite (aiosqlite) is the default, in WAL mode with foreign keys on; `DATABASE_URL` switches
to Postgres (asyncpg). Any URL shown to a user has its password masked.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from fitcoach.config import Settings
from fitcoach.errors import ConfigError, DatabaseUnavailable

_POSTGRES_NAMES = {"postgres", "postgresql"}
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# asyncpg waits 60 s by default for a host that drops packets; a CLI should answer sooner.
_POSTGRES_CONNECT_TIMEOUT_S = 5.0
# Writers wait this long for SQLite's single write lock instead of failing at once.
_SQLITE_BUSY_TIMEOUT_MS = 10_000


# What callers above the store hold while they run store queries in one transaction.
DatabaseSession = AsyncSession


def resolve_database_url(settings: Settings) -> URL:
    """The async driver URL for the configured database (SQLite file by default)."""
    if settings.database_url is None:
        path = settings.default_sqlite_path
        return URL.create("sqlite+aiosqlite", database=str(path))
    raw = settings.database_url.get_secret_value().strip()
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        # The raw text may hold a password: never echo it.
        raise ConfigError(
            "DATABASE_URL is not a valid database URL "
            "(expected e.g. postgresql://user:password@host:5432/dbname or sqlite:///path/to.db)"
        ) from None
    backend = url.drivername.split("+", 1)[0]
    if backend in _POSTGRES_NAMES:
        if not url.database:
            raise ConfigError("DATABASE_URL names no database (add /dbname at the end)")
        if url.port is not None and not 0 < url.port < 65536:
            raise ConfigError(f"DATABASE_URL has port {url.port}: a port is 1 to 65535")
        return _asyncpg_options(url).set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    raise ConfigError(
        f"DATABASE_URL uses '{backend}', but fitcoach supports sqlite and postgresql only"
    )


def _asyncpg_options(url: URL) -> URL:
    """Hosting providers write libpq's `sslmode` into their URLs; asyncpg calls it `ssl`.
    Any other query option would reach asyncpg.connect() as an argument it does not take."""
    query = dict(url.query)
    unknown = sorted(set(query) - {"sslmode", "ssl"})
    if unknown:
        raise ConfigError(
            f"DATABASE_URL has an option fitcoach does not support: {unknown[0][:40]!r} "
            "(it understands sslmode)"
        )
    mode = query.get("sslmode", query.get("ssl"))
    if mode is None:
        return url
    if mode not in _SSL_MODES:
        raise ConfigError(f"DATABASE_URL's sslmode must be one of {', '.join(_SSL_MODES)}")
    return url.set(query={"ssl": mode})


def describe_url(url: URL) -> str:
    """A human description of where the data lives, with no password in it."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite at {url.database}" if url.database else "SQLite in memory"
    return f"database '{url.database}' on {url.host or 'localhost'}:{url.port or 5432}"


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _probe_sqlite_file(
    _dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
) -> None:
    """Opens the file once without aiosqlite, so a file that cannot be opened fails here.

    When aiosqlite (0.22) cannot open it, it stops its worker thread without waiting, and the
    thread can then report to a closed event loop: a traceback on stderr after the command's
    one-line error."""
    options = {key: value for key, value in cparams.items() if key in ("uri", "timeout")}
    sqlite3.connect(*cargs, **options).close()


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets `logs tail` and the CLI read while the logbook writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL is durable across process crashes in WAL mode (only an OS crash can lose
        # the last commits), at a fraction of FULL's fsync cost.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    except Exception:
        # The pool never sees a connection that failed here, so nothing else would close it,
        # and aiosqlite's thread for it would outlive the event loop (a file that is not a
        # database fails on the first PRAGMA).
        cursor.close()
        dbapi_connection.close()
        raise
    else:
        cursor.close()


def create_engine(url: URL, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url` with fitcoach's connection settings."""
    if url.get_backend_name() == "sqlite":
        if _is_memory_sqlite(url):
            engine = create_async_engine(url, echo=echo, poolclass=StaticPool)
        else:
            engine = create_async_engine(url, echo=echo)
            event.listen(engine.sync_engine, "do_connect", _probe_sqlite_file)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        connect_args={
            "timeout": _POSTGRES_CONNECT_TIMEOUT_S,
            "server_settings": {"application_name": "fitcoach"},
        },
    )


def _reason(exc: BaseException) -> str:
    """A short, secret-free reason for a connection failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if isinstance(current, socket.gaierror):
            return "unknown host"
        if isinstance(current, TimeoutError):
            return "timed out"
        name = type(current).__name__
        if name == "InvalidPasswordError":
            return "authentication failed"
        if name == "InvalidCatalogNameError":
            return "the database does not exist"
        if name == "InvalidAuthorizationSpecificationError":
            return "the server refused this user"
        if isinstance(current, ConnectionError) and "SSL" in str(current):
            return "the server does not accept SSL (see sslmode in DATABASE_URL)"
        if name == "OperationalError" and "unable to open database file" in str(current):
            return "cannot open the file"
        if isinstance(current, FileNotFoundError):
            return "no such file or directory"
        if isinstance(current, PermissionError):
            return "permission denied"
        current = current.__cause__ or current.__context__
    return type(exc).__name__


def translate_error(exc: BaseException, url: URL) -> DatabaseUnavailable:
    """The user-facing error for a failure talking to the database at `url`."""
    return DatabaseUnavailable(f"cannot reach the {describe_url(url)}: {_reason(exc)}")


@dataclass
class Database:
    """An engine plus its session factory; the unit the rest of fitcoach passes around."""

    url: URL
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose driver failures surface as `DatabaseUnavailable`."""
        try:
            async with self.sessions() as session:
                yield session
        except (DBAPIError, OSError) as exc:
            raise translate_error(exc, self.url) from exc

    async def ping(self) -> None:
        """Open a connection and run a trivial query, or raise `DatabaseUnavailable`."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            raise translate_error(exc, self.url) from exc

    async def dispose(self) -> None:
        await self.engine.dispose()


def open_database(settings: Settings, *, echo: bool = False) -> Database:
    """A `Database` for the configured URL; creates the SQLite file's directory if needed."""
    url = resolve_database_url(settings)
    if url.get_backend_name() == "sqlite" and not _is_memory_sqlite(url):
        assert url.database is not None
        try:
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"cannot create the directory for {describe_url(url)}: {_reason(exc)}"
            ) from exc
    engine = create_engine(url, echo=echo)
    return Database(
        url=url, engine=engine, sessions=async_sessionmaker(engine, expire_on_commit=False)
    )
