"""Errors a user can cause, each with a message written for that user.

The CLI turns any `FitcoachError` into one line on stderr and its `exit_code`; nothing
below the CLI prints. Messages never contain secrets: database URLs are rendered with the
password masked before they reach an error.
"""

from __future__ import annotations


class FitcoachError(Exception):
    """Base class: `str(error)` is the one line shown to the user."""

    exit_code = 1


class ConfigError(FitcoachError):
    """A setting is missing, malformed or inconsistent."""

    exit_code = 2


class DatabaseUnavailable(FitcoachError):
    """The database cannot be reached or opened."""

    exit_code = 3


class DatabaseNotMigrated(FitcoachError):
    """The schema is older (or newer) than this version of fitcoach expects."""

    exit_code = 3


class UserNotFound(FitcoachError):
    """No user matches the given id or name."""

    exit_code = 4


class AmbiguousUser(FitcoachError):
    """A name matches more than one user."""

    exit_code = 4


class InvalidInput(FitcoachError):
    """A command-line value is out of range or malformed."""

    exit_code = 2
