"""Hostile and malformed input, counted: every case table in tests/hostile/ against the real code.

    python -m bench.hostile_inputs [--only CATEGORY,...] [--database-url URL]

Categories: metadata (room metadata a worker job gets), tool-args (what an LLM can send to
log_workout_set, through an AgentSession, down to the database), audio (files for replay),
cli (bad settings, users, files and options). The tests run the same tables, so the counts
here are the tested cases.

By default the database is a fresh SQLite file in a temporary folder; --database-url names
one it may migrate, seed and write to (say, a throwaway Postgres database).

Prints a table of cases tried, handled and crashed per category, then, as its last line, one
JSON object: cases, handled, mishandled, crashes and the same per category. Exit status 1
when any case was not handled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fitcoach.config import load_settings
from fitcoach.store import User, open_database, seed, upgrade
from tests.hostile import (
    Outcome,
    audio,
    cli,
    metadata,
    problems,
    resources,
    tool_args,
)

REPO = Path(__file__).resolve().parents[1]

CATEGORIES = ("metadata", "tool-args", "audio", "cli", "resources")


async def _prepare(database_url: str) -> None:
    """Migrate and seed, plus two users named jo and Jo for the ambiguous-name cases."""
    database = open_database(load_settings(database_url=database_url))
    try:
        await upgrade(database)
        report = await seed(database)
        if report.created:
            async with database.session() as session:
                session.add_all(
                    [User(name="jo", display_name="Jo A"), User(name="Jo", display_name="Jo B")]
                )
                await session.commit()
    finally:
        await database.dispose()


async def _metadata(database_url: str, _: Path) -> list[Outcome]:
    database = open_database(load_settings(database_url=database_url))
    try:
        return await metadata.run(metadata.cases(), database)
    finally:
        await database.dispose()


async def _tool_args(database_url: str, folder: Path) -> list[Outcome]:
    settings = load_settings(database_url=database_url, data_dir=str(folder / "data"))
    return await tool_args.run(tool_args.cases(), settings)


async def _resources(database_url: str, folder: Path) -> list[Outcome]:
    settings = load_settings(database_url=database_url, data_dir=str(folder / "resources-data"))
    return await resources.run(resources.cases(), settings, folder)


async def _audio(_: str, folder: Path) -> list[Outcome]:
    return audio.run(audio.cases(folder / "audio"))


def _cli(database_url: str, folder: Path) -> list[Outcome]:
    env = cli.isolated_env(DATABASE_URL=database_url, FITCOACH_DATA_DIR=str(folder / "cli-data"))
    return cli.run(cli.cases(folder / "cli"), env)


ASYNC_RUNNERS: dict[str, Callable[[str, Path], Awaitable[list[Outcome]]]] = {
    "metadata": _metadata,
    "tool-args": _tool_args,
    "audio": _audio,
    "resources": _resources,
}


def run(categories: list[str], database_url: str | None, folder: Path) -> dict[str, object]:
    url = database_url or f"sqlite:///{folder / 'fitcoach.db'}"
    asyncio.run(_prepare(url))
    results: dict[str, dict[str, object]] = {}
    for category in categories:
        started = time.perf_counter()
        # The commands start their own event loops, on the main thread like any command.
        outcomes = (
            _cli(url, folder)
            if category == "cli"
            else asyncio.run(ASYNC_RUNNERS[category](url, folder))
        )
        handled = sum(o.handled for o in outcomes)
        crashes = sum(o.crashed for o in outcomes)
        results[category] = {
            "cases": len(outcomes),
            "handled": handled,
            "mishandled": len(outcomes) - handled - crashes,
            "crashes": crashes,
            "seconds": round(time.perf_counter() - started, 2),
            "problems": problems(outcomes)[:20],
        }
    totals = {
        key: sum(int(r[key]) for r in results.values())  # type: ignore[call-overload]
        for key in ("cases", "handled", "mishandled", "crashes")
    }
    return {**totals, "categories": results}


def _print(summary: dict[str, object], console: Console) -> None:
    table = Table(title="hostile and malformed input")
    for column in ("category", "tried", "handled", "mishandled", "crashes", "seconds"):
        table.add_column(column, justify="left" if column == "category" else "right")
    categories: dict[str, dict[str, object]] = summary["categories"]  # type: ignore[assignment]
    for name, figures in categories.items():
        table.add_row(
            name,
            *(str(figures[k]) for k in ("cases", "handled", "mishandled", "crashes", "seconds")),
        )
    table.add_row(
        "all",
        *(str(summary[k]) for k in ("cases", "handled", "mishandled", "crashes")),
        "",
        style="bold",
    )
    console.print(table)
    for name, figures in categories.items():
        for problem in figures["problems"]:  # type: ignore[attr-defined]
            console.print(f"[red]{name}[/]: {problem}", markup=True, highlight=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(CATEGORIES),
        help=f"comma-separated categories (default all: {', '.join(CATEGORIES)})",
    )
    parser.add_argument("--database-url", help="a database this may migrate, seed and write to")
    args = parser.parse_args()
    categories = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        parser.error(f"unknown category {unknown[0]!r}; choose from {', '.join(CATEGORIES)}")
    # The cases are meant to fail: their log lines are not the report.
    logging.basicConfig(level=logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="fitcoach-hostile-") as tmp:
        folder = Path(tmp)
        os.chdir(folder)  # no .env from the checkout changes what the commands see
        summary = run(categories, args.database_url, folder)
    _print(summary, Console(stderr=False))
    print(
        json.dumps(
            {k: v for k, v in summary.items() if k != "categories"}
            | {
                "categories": {
                    name: {k: v for k, v in figures.items() if k != "problems"}
                    for name, figures in summary["categories"].items()  # type: ignore[attr-defined]
                }
            }
        )
    )
    return 0 if summary["handled"] == summary["cases"] else 1


if __name__ == "__main__":
    sys.exit(main())
