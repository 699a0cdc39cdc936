"""Telling a database that refuses data from a database that cannot be reached.

A writer that retries (the logbook's) must retry through an outage for as long as it lasts,
and must not retry for ever a row the database will never take (a deleted user, a value it
cannot store): such a row is set aside with the reason, and the rest goes on.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError


def refused_for_good(exc: BaseException) -> bool:
    """True when the database rejects this data itself (a constraint, a value it cannot store),
    so retrying cannot help; False for connection trouble, which retrying will outlast, and
    for anything that is not a database error."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    if not isinstance(exc, DBAPIError) or isinstance(exc, OperationalError | InterfaceError):
        return False
    if exc.connection_invalidated:
        return False
    for cause in (exc.orig, getattr(exc.orig, "__cause__", None)):
        sqlstate = str(getattr(cause, "sqlstate", "") or "")
        if sqlstate.startswith(("22", "23")):  # Postgres classes: data exception, integrity
            return True
    return False


def refusal_reason(exc: BaseException) -> str:
    """The driver's own first line for a refusal (kept with the set aside), or the kind."""
    original = exc.orig if isinstance(exc, DBAPIError) else None
    if original is None:
        return type(exc).__name__
    return str(original).splitlines()[0][:300]
