"""Every fitcoach benchmark in one run: prints a table and writes bench/results/latest.json.

    python -m bench.run [--quick] [--out PATH]

Voice-to-voice latency (tuned against the framework's defaults, interleaved), tool latency,
logbook throughput and visibility on SQLite and Postgres, context pre-load from Postgres
with 1,000 seeded users, memory of a job process and of an idle worker, and 1 to 8
concurrent sessions. Figures are medians and percentiles of repeated measurements on this
machine; nothing is asserted. `--quick` runs a few repetitions of each, as a smoke check.
Postgres comes from FITCOACH_BENCH_POSTGRES_URL (default: the local server's `test`
database, used only to create and drop a scratch database); without a server its figures
are left empty, with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import _figures

REPO = _figures.REPO

TARGETS = {
    "e2e tuned p50": ("e2e", "tuned", "p50", "<= 0.6 s"),
    "e2e tuned p95": ("e2e", "tuned", "p95", "<= 0.8 s"),
    "e2e default p50": ("e2e", "default", "p50", ""),
    "e2e default p95": ("e2e", "default", "p95", ""),
    "default / tuned (p50)": ("e2e", "ratio_p50", None, ">= 1.3"),
    "mouth-to-ear tuned p50": ("mouth_to_ear", "tuned", "p50", "<= 0.75 s"),
    "mouth-to-ear tuned p95": ("mouth_to_ear", "tuned", "p95", ""),
    "mouth-to-ear default p50": ("mouth_to_ear", "default", "p50", ""),
    "quick tools p99 (ms)": ("tools", "quick_p99_ms", None, "<= 1 ms"),
    "log_workout_set p99 (ms)": ("tools", "log_p99_ms", None, "<= 5 ms"),
    "specialist (local) p95 (ms)": ("tools", "specialist_local_p95_ms", None, "<= 50 ms"),
    "logbook SQLite sets/s": ("logbook", "sqlite_sets_per_s", None, ">= 2000"),
    "logbook Postgres sets/s": ("logbook", "postgres_sets_per_s", None, ""),
    "confirmed -> visible p99 (s)": ("logbook", "visible_p99_s", None, "<= 1 s"),
    "context pre-load p95 (ms)": ("context", "postgres_p95_ms", None, "<= 100 ms"),
    "job process peak RSS (MB)": ("memory", "job_rss_mb", None, "<= 450 MB"),
    "idle worker RSS (MB)": ("memory", "worker_idle_rss_mb", None, "<= 150 MB"),
    "warm idle job process RSS (MB)": ("memory", "worker_idle_job_process_rss_mb", None, ""),
    "forkserver RSS (MB)": ("memory", "worker_forkserver_rss_mb", None, ""),
    "fitcoach ask, warm cache (s)": ("startup", "ask_s", "warm", "< 2 s"),
    "talk --text ready, warm cache (s)": ("startup", "talk_text_ready_s", "warm", ""),
    "worker job ready, warm cache (s)": ("startup", "worker_job_ready_s", "warm", ""),
}


def _local_settings(workdir: Path) -> Any:
    # The benchmark measures the offline engines on a scratch data directory, whatever the
    # environment configures for this machine's own use.
    os.environ["FITCOACH_DATA_DIR"] = str(workdir)
    for name in ("VOICE_STT_PROVIDER", "VOICE_TTS_PROVIDER", "VOICE_LLM_PROVIDER"):
        os.environ[name] = "local"
    for name in ("DATABASE_URL", "REDIS_URL", "ORCHESTRATOR_LLM_PROVIDER"):
        os.environ.pop(name, None)
    from fitcoach.config import load_settings

    return load_settings()


async def _section(
    name: str, problems: dict[str, str], measure: Callable[[], Awaitable[Any]]
) -> Any:
    started = time.perf_counter()
    try:
        result = await measure()
    except Exception as exc:
        problems[name] = (
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        )
        return None
    finally:
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return result


async def _postgres(quick: bool, workdir: Path, problems: dict[str, str]) -> dict[str, Any]:
    from bench import context_preload, logbook_throughput
    from bench.postgres_scratch import scratch_database
    from fitcoach.config import Settings

    figures: dict[str, Any] = {}
    try:
        async with scratch_database() as url:
            settings = Settings(database_url=url, data_dir=workdir)  # type: ignore[call-arg]
            from fitcoach.store import open_database, upgrade

            database = open_database(settings)
            await upgrade(database)
            await database.dispose()
            figures["logbook"] = await _section(
                "logbook (Postgres)",
                problems,
                lambda: logbook_throughput.measure_one(
                    settings, workdir, quick=quick, label="postgres"
                ),
            )
        async with scratch_database() as url:
            figures["context"] = await _section(
                "context pre-load (Postgres)",
                problems,
                lambda: context_preload.measure(url, quick=quick),
            )
    except OSError as exc:
        problems["postgres"] = f"no Postgres server reachable ({type(exc).__name__})"
    return figures


async def run(quick: bool, workdir: Path) -> dict[str, Any]:
    from bench import logbook_throughput, memory, scale, startup, tool_latency, voice_latency

    settings = _local_settings(workdir)
    problems: dict[str, str] = {}
    voice = await _section(
        "voice-to-voice", problems, lambda: voice_latency.measure(settings, quick=quick)
    )
    tools = await _section("tools", problems, lambda: tool_latency.measure(settings, quick=quick))
    sqlite_logbook = await _section(
        "logbook (SQLite)",
        problems,
        lambda: logbook_throughput.measure_one(settings, workdir, quick=quick, label="sqlite"),
    )
    postgres = await _postgres(quick, workdir, problems)
    memory_figures = await _section(
        "memory", problems, lambda: asyncio.to_thread(memory.measure, workdir)
    )
    scale_figures = await _section("scale", problems, lambda: scale.measure(settings, quick=quick))
    startup_figures = await _section(
        "startup", problems, lambda: asyncio.to_thread(startup.measure, workdir, quick=quick)
    )

    postgres_logbook = postgres.get("logbook") or {}
    visible = [
        figures["visible_s"]["p99"]
        for figures in (sqlite_logbook, postgres_logbook)
        if figures and figures["visible_s"]["p99"] is not None
    ]
    context = postgres.get("context") or {}
    voice = voice or {}
    return {
        "benchmark": "fitcoach",
        "quick": quick,
        "date": _figures.now_iso(),
        "commit": _figures.commit(),
        "machine": _figures.machine(),
        "e2e": {
            "tuned": (voice.get("tuned") or {}).get("e2e"),
            "default": (voice.get("default") or {}).get("e2e"),
            "ratio_p50": voice.get("ratio_p50"),
        },
        "mouth_to_ear": {
            "tuned": (voice.get("tuned") or {}).get("mouth_to_ear"),
            "default": (voice.get("default") or {}).get("mouth_to_ear"),
        },
        "voice_detail": voice,
        "tools": tools,
        "logbook": {
            "sqlite_sets_per_s": (sqlite_logbook or {}).get("sets_per_s"),
            "postgres_sets_per_s": postgres_logbook.get("sets_per_s"),
            "visible_p99_s": max(visible) if visible else None,
            "sqlite": sqlite_logbook,
            "postgres": postgres_logbook or None,
        },
        "context": {
            "postgres_p95_ms": (context.get("load_ms") or {}).get("p95"),
            **context,
        },
        "memory": memory_figures,
        "scale": scale_figures,
        "startup": startup_figures,
        "problems": problems,
    }


def _lookup(results: dict[str, Any], path: tuple[str, str, str | None, str]) -> Any:
    section, key, stat, _ = path
    value = (results.get(section) or {}).get(key)
    if stat is not None:
        value = (value or {}).get(stat)
    if isinstance(value, dict):  # a start-up figure: its median
        value = value.get("median")
    return value


def _print(results: dict[str, Any], console: Console) -> None:
    table = Table(title=f"fitcoach benchmarks{' (quick)' if results['quick'] else ''}")
    for column in ("figure", "value", "target"):
        table.add_column(column, justify="right" if column != "figure" else "left")
    for label, path in TARGETS.items():
        value = _lookup(results, path)
        shown = (
            "-" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        )
        table.add_row(label, shown, path[3])
    console.print(table)
    if results["scale"]:
        levels = Table(title="concurrent sessions in one process")
        columns = (
            "kind",
            "offered",
            "served",
            "turns",
            "turns/s",
            "p50 s",
            "p95 s",
            "lost",
            "CPU s/turn",
        )
        for column in columns:
            levels.add_column(column, justify="right")
        for level in results["scale"]:
            levels.add_row(
                level["kind"],
                str(level.get("sessions_offered", level["sessions"])),
                str(level["sessions"]),
                str(level["turns"]),
                str(level["turns_per_s"]),
                str(level["e2e_p50"]),
                str(level["e2e_p95"]),
                str(level.get("turns_without_reply", "-")),
                str(level.get("cpu_s_per_turn", "-")),
            )
        console.print(levels)
    for name, problem in results["problems"].items():
        console.print(f"[yellow]{name}[/]: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few repetitions of each")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fitcoach-bench-") as scratch:
        results = asyncio.run(run(args.quick, Path(scratch)))
    _print(results, Console())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    Console().print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
