"""`fitcoach worker`: run the LiveKit Agents worker."""

from __future__ import annotations

import typer

from fitcoach.cli._run import fail

app = typer.Typer(help="Run the LiveKit voice agent worker.", no_args_is_help=True)


@app.command("start")
def start(
    num_idle_processes: int | None = typer.Option(
        None, "--num-idle-processes", min=0, max=64, help="Warm processes kept ready for new rooms."
    ),
    log_level: str | None = typer.Option(
        None, "--log-level", help="DEBUG, INFO, WARNING or ERROR (default FITCOACH_LOG_LEVEL)."
    ),
) -> None:
    """Serve rooms that LiveKit dispatches (needs LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET).

    SIGTERM or Ctrl-C drains: running sessions finish and their logged sets are written.
    """
    from fitcoach.config import load_settings, redact
    from fitcoach.errors import FitcoachError

    settings = None
    try:
        settings = load_settings()
        level = (log_level or settings.log_level).upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise typer.BadParameter("use DEBUG, INFO, WARNING or ERROR", param_hint="--log-level")
        from fitcoach.agent.preflight import check_livekit_settings

        check_livekit_settings(settings)  # before the seconds it takes to import the framework
        from fitcoach.log_setup import configure_logging

        configure_logging(level)
        from fitcoach.agent.worker import run_worker

        run_worker(settings, num_idle_processes=num_idle_processes)
    except FitcoachError as exc:
        message = redact(str(exc), settings) if settings else str(exc)
        raise fail(message, exc.exit_code) from None
    except (ValueError, RuntimeError) as exc:  # the framework's own start-up failures
        detail = redact(str(exc), settings) if settings else str(exc)
        raise fail(
            f"the worker stopped: {detail.splitlines()[0] if detail else type(exc).__name__}"
        ) from None
