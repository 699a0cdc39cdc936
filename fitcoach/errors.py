"""Errors a user can cause, each with a message written for that user.

The CLI turns any `FitcoachError` into one line on stderr and its `exit_code`; nothing
below the CLI prints. Messages never contain secrets: database URLs are rendered with the
password masked before they reach an error. The whole tree, with where each error lives and
the exit code the CLI gives it (70 is the CLI's own code for anything unforeseen):

    FitcoachError                           1
    ├── ConfigError                         2  a setting is missing, malformed or inconsistent
    │   └── LocalEngineUnavailable          2  agent/providers.py: no embedded engine here
    ├── InvalidInput                        2  a command-line value is out of range
    ├── AudioUnavailable                    2  runner/devices.py: no microphone or PortAudio
    ├── EmbeddingModelMissing               2  coach/embeddings.py: the model package is absent
    ├── AudioFileError                      1  runner/audio_files.py: an unreadable audio file
    ├── SpecialistUnavailable               1  coach/orchestrator.py: the specialists failed
    ├── InvalidRoomMetadata                 1  agent/metadata.py: a room that names nobody
    ├── DatabaseUnavailable                 3  the database cannot be reached or opened
    ├── DatabaseNotMigrated                 3  the schema is not the one this version needs
    ├── JournalUnavailable                  3  agent/logbook.py: the local journal is unwritable
    ├── UserNotFound                        4  no user has that id or name
    └── AmbiguousUser                       4  more than one user has that name
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
