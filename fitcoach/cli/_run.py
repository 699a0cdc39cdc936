"""The one place where a command's failure becomes a line on stderr and an exit code."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from fitcoach.config import Settings

T = TypeVar("T")

# soft_wrap: status lines stay one line (and greppable) whatever the terminal width.
console = Console(highlight=False, soft_wrap=True)
error_console = Console(stderr=True, highlight=False, soft_wrap=True)

# Exit code for a failure fitcoach did not anticipate (EX_SOFTWARE).
_UNEXPECTED_EXIT = 70


def fail(message: str, exit_code: int = 1) -> typer.Exit:
    """Print `message` as one line on stderr; raise the returned Exit."""
    error_console.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(exit_code)


def run(
    command: Callable[[Settings], Coroutine[Any, Any, T]], *, ctrl_c_ends_normally: bool = False
) -> T | None:
    """Load settings and run `command`; errors become one line and a non-zero exit.

    Ctrl-C exits 130, or 0 for commands that are meant to be stopped that way (a tail, a
    conversation)."""
    from fitcoach.config import load_settings, redact
    from fitcoach.errors import FitcoachError

    settings = None
    try:
        settings = load_settings()
        return asyncio.run(command(settings))
    except FitcoachError as exc:
        message = redact(str(exc), settings) if settings else str(exc)
        raise fail(message, exc.exit_code) from None
    except KeyboardInterrupt:
        if ctrl_c_ends_normally:
            return None
        raise typer.Exit(130) from None
    except Exception as exc:
        if os.environ.get("FITCOACH_DEBUG"):
            raise
        detail = str(exc).splitlines()[0] if str(exc) else ""
        if settings is not None:
            detail = redact(detail, settings)
        raise fail(
            f"unexpected {type(exc).__name__}: {detail} (set FITCOACH_DEBUG=1 for a traceback)",
            _UNEXPECTED_EXIT,
        ) from None
