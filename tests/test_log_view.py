"""The log in the user's unit and time zone, repeated sets grouped, and an export that
streams 100,000 rows in bounded memory, on SQLite and Postgres."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, insert_workout_sets, open_database

runner = CliRunner()
KG_PER_LB = 0.45359237


def invoke(*args: str, env: dict[str, str]):
    return runner.invoke(app, list(args), env=env)


def add_user(env: dict[str, str], name: str, unit: str, zone: str) -> uuid.UUID:
    assert invoke("db", "upgrade", env=env).exit_code == 0
    result = invoke("users", "add", name, "--goal", "strength", "--level", "beginner",
                    "--unit", unit, "--tz", zone, "--json", env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    return uuid.UUID(json.loads(result.stdout)["id"])


def insert(database_url: str, sets: list[WorkoutSet], batch: int = 5000) -> None:
    async def write() -> None:
        database = open_database(load_settings(database_url=database_url))
        try:
            for start in range(0, len(sets), batch):
                async with database.session() as session:
                    await insert_workout_sets(session=session, sets=sets[start : start + batch])
        finally:
            await database.dispose()

    asyncio.run(write())


def a_set(user_id: uuid.UUID, at: datetime, exercise: str, reps: int, kg: float) -> WorkoutSet:
    return WorkoutSet(uuid.uuid4(), user_id, exercise, reps, kg, at)


def test_pounds_and_new_york_time_with_repeated_sets_grouped(database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    maria = add_user(env, "maria", "lb", "America/New_York")
    start = datetime(2026, 7, 6, 22, 0, tzinfo=UTC)  # 18:00 in New York (summer time)
    sets = [a_set(maria, start + timedelta(minutes=3 * i), "bench press", 5, 135 * KG_PER_LB)
            for i in range(3)]  # fmt: skip
    sets.append(a_set(maria, start + timedelta(minutes=12), "bench press", 3, 140 * KG_PER_LB))
    sets.append(a_set(maria, start + timedelta(minutes=15), "bench press", 5, 135 * KG_PER_LB))
    insert(database_url, sets)

    table = invoke("logs", "list", "--user", "maria", env=env)
    assert table.exit_code == 0, table.output
    rows = [line for line in table.stdout.splitlines() if "bench press" in line]
    assert len(rows) == 3  # 5 sets: one, one, then a run of three
    assert "2026-07-06 18:15 EDT" in rows[0] and "5 @ 135 lb" in rows[0]
    assert "3 @ 140 lb" in rows[1]
    assert "3 x 5 @ 135 lb" in rows[2] and "2026-07-06 18:06 EDT" in rows[2]
    assert "kg" not in table.stdout

    listed = json.loads(invoke("logs", "list", "--user", "maria", "--json", env=env).stdout)
    newest = listed[0]
    assert newest["weight"] == 135 and newest["unit"] == "lb"
    assert newest["weight_kg"] == pytest.approx(135 * KG_PER_LB, abs=1e-3)
    assert newest["logged_at_local"] == "2026-07-06T18:15:00-04:00"
    assert datetime.fromisoformat(newest["logged_at"]) == start + timedelta(minutes=15)


def test_export_csv_and_json_in_the_users_unit_and_zone(sqlite_url: str) -> None:
    env = {"DATABASE_URL": sqlite_url}
    kenji = add_user(env, "kenji", "kg", "Asia/Tokyo")
    at = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # already the 6th in Tokyo
    insert(sqlite_url, [a_set(kenji, at, "squat", 5, 102.5), a_set(kenji, at, "dip", 8, 0)])
    exported = invoke("logs", "export", "--user", "kenji", env=env)
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {row["date"] for row in rows} == {"2026-01-06"}
    squat = next(row for row in rows if row["exercise"] == "squat")
    assert squat["weight"] == "102.5" and squat["unit"] == "kg"
    assert squat["logged_at"] == at.astimezone(ZoneInfo("Asia/Tokyo")).isoformat()
    as_json = json.loads(invoke("logs", "export", "-f", "json", env=env).stdout)  # only user
    assert [row["id"] for row in as_json] == [row["id"] for row in rows]
    later = invoke("logs", "export", "--since", "2026-02-01", "-f", "json", env=env)
    assert json.loads(later.stdout) == []
    bad = invoke("logs", "export", "--format", "xml", env=env)
    assert bad.exit_code == 2 and "--format must be csv or json" in bad.stderr


# Runs the CLI in this process image and reports its peak resident memory when it exits.
_PEAK_PROBE = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write(f"PEAK_KB {line.split()[1]}\\n")
atexit.register(peak)
sys.argv = ["fitcoach", *sys.argv[1:]]
runpy.run_module("fitcoach", run_name="__main__")
"""


def _export_peak_kb(database_url: str, data: Path, user: str, out: Path) -> int:
    with out.open("w") as sink:
        result = subprocess.run(
            [sys.executable, "-c", _PEAK_PROBE, "logs", "export", "--user", user],
            env={"DATABASE_URL": database_url, "FITCOACH_DATA_DIR": str(data),
                 "PATH": "/usr/bin:/bin"},
            stdout=sink, stderr=subprocess.PIPE, text=True, timeout=600,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stderr.rsplit("PEAK_KB ", 1)[1].split()[0])


def test_export_streams_100000_rows_in_bounded_memory(database_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database_url}
    big = add_user(env, "big", "lb", "Europe/Berlin")
    small = add_user(env, "small", "kg", "UTC")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    insert(
        database_url,
        [a_set(big, start + timedelta(seconds=i), "squat", 5, 100 + i % 7) for i in range(100_000)]
        + [a_set(small, start + timedelta(seconds=i), "squat", 5, 100) for i in range(100)],
        batch=4000,  # 7 parameters a row; asyncpg takes 32,767 a statement
    )
    baseline = _export_peak_kb(database_url, tmp_path, "small", tmp_path / "small.csv")
    peak = _export_peak_kb(database_url, tmp_path, "big", tmp_path / "big.csv")
    with (tmp_path / "big.csv").open() as exported:
        assert sum(1 for _ in exported) == 100_001
    # Loaded whole, 100,000 rows would take well over 100 MB; streamed, a few MB of buffers.
    assert peak - baseline < 40_000, (baseline, peak)
