"""`fitcoach progress` and `fitcoach week`: trends, records and weekly volume from the log,
in the user's unit and days, as a terminal chart, JSON, and an HTML report that renders in
headless Chromium."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.coach.report_html import SERIES_COLOURS
from fitcoach.config import load_settings
from fitcoach.store import WorkoutSet, insert_workout_sets, open_database

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
KG_PER_LB = 0.45359237
ZONE = ZoneInfo("America/New_York")


def invoke(*args: str, env: dict[str, str]):
    return runner.invoke(app, list(args), env=env)


def e1rm(kg: float, reps: int) -> float:
    """Epley and Brzycki averaged up to 10 reps (the coach's formula, written out again)."""
    if reps == 1:
        return kg
    epley = kg * (1 + reps / 30)
    return (epley + kg * 36 / (37 - reps)) / 2 if reps <= 10 else epley


def lb(kg: float) -> float:
    return round(kg / KG_PER_LB, 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


class History:
    """A user training in pounds in New York, with a known log: squat every Monday for six
    weeks (up 10 lb a week), bench on Wednesdays, and this week a squat record."""

    def __init__(self, env: dict[str, str]) -> None:
        assert invoke("db", "upgrade", env=env).exit_code == 0
        added = invoke("users", "add", "maria", "--goal", "strength", "--level", "intermediate",
                       "--unit", "lb", "--tz", "America/New_York", "--json", env=env)  # fmt: skip
        assert added.exit_code == 0, added.output
        self.user_id = uuid.UUID(json.loads(added.stdout)["id"])
        self.today = datetime.now(UTC).astimezone(ZONE).date()
        self.monday = self.today - timedelta(days=self.today.weekday())
        self.sets: list[WorkoutSet] = []
        for week in range(6, 0, -1):
            day = self.monday - timedelta(weeks=week)
            load = (185 + 10 * (6 - week)) * KG_PER_LB
            for i in range(3):
                self.add(local(day, 18, 3 * i), "squat", 5, load)
            # 23:30 on Wednesday in New York is Thursday in UTC: it is still Wednesday's.
            self.add(local(day + timedelta(days=2), 23, 30), "bench press", 8, 135 * KG_PER_LB)
        # This week, on the user's Monday (or today, if that is Monday): a squat record.
        self.record_day = self.monday
        self.record_kg = 255 * KG_PER_LB
        self.add(local(self.record_day, 7), "squat", 3, self.record_kg)
        self.add(local(self.record_day, 7, 5), "squat", 3, self.record_kg)
        self.add(local(self.record_day, 7, 10), "lat pulldown", 10, 100 * KG_PER_LB)

    def add(self, at: datetime, exercise: str, reps: int, kg: float) -> None:
        self.sets.append(WorkoutSet(uuid.uuid4(), self.user_id, exercise, reps, round(kg, 3), at))


@pytest.fixture
def history(database_url: str) -> tuple[History, dict[str, str]]:
    env = {"DATABASE_URL": database_url}
    known = History(env)

    async def write() -> None:
        database = open_database(load_settings(database_url=database_url))
        async with database.session() as session:
            await insert_workout_sets(session=session, sets=known.sets)
        await database.dispose()

    asyncio.run(write())
    return known, env


def test_progress_json_matches_the_log(history: tuple[History, dict[str, str]]) -> None:
    known, env = history
    result = invoke("progress", "squat", "--weeks", "8", "--json", env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["unit"] == "lb" and report["timezone"] == "America/New_York"
    (squat,) = report["exercises"]
    squats = [s for s in known.sets if s.exercise == "squat"]
    days = sorted({s.logged_at.astimezone(ZONE).date() for s in squats})
    assert [p["date"] for p in squat["points"]] == [d.isoformat() for d in days]
    for point in squat["points"]:
        that_day = [
            s for s in squats if s.logged_at.astimezone(ZONE).date().isoformat() == point["date"]
        ]
        top = max(that_day, key=lambda s: e1rm(s.weight_kg, s.reps))
        assert point["weight"] == lb(top.weight_kg) and point["reps"] == top.reps
        assert point["estimated_1rm"] == pytest.approx(lb(e1rm(top.weight_kg, top.reps)), abs=0.06)
        assert point["sets"] == len(that_day)
    assert squat["best"]["weight"] == 255 and squat["best"]["reps"] == 3

    main = json.loads(invoke("progress", "--json", env=env).stdout)  # main lifts, the only user
    assert [e["exercise"] for e in main["exercises"]] == ["squat", "bench press"]
    bench = main["exercises"][1]
    wednesdays = [
        (known.monday - timedelta(weeks=w) + timedelta(days=2)).isoformat() for w in range(6, 0, -1)
    ]
    assert [p["date"] for p in bench["points"]] == wednesdays  # local days, not UTC ones
    assert {p["weight"] for p in bench["points"]} == {135}


def test_progress_draws_a_terminal_chart(history: tuple[History, dict[str, str]]) -> None:
    _, env = history
    result = invoke("progress", "squat", env=env)
    assert result.exit_code == 0, result.output
    assert "estimated one-rep max (lb)" in result.stdout
    assert "┌" in result.stdout and "└" in result.stdout  # the chart's frame
    assert "255 lb x 3" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when not on a terminal
    unknown = invoke("progress", "--weeks", "0", env=env)
    assert unknown.exit_code == 2 and "--weeks must be between" in unknown.stderr


def test_week_summary_against_the_plan(history: tuple[History, dict[str, str]]) -> None:
    known, env = history
    assert (
        invoke(
            "plan", "import", str(REPO / "examples" / "upper-lower-4-day.yaml"), env=env
        ).exit_code
        == 0
    )
    week = json.loads(invoke("week", "--json", env=env).stdout)
    assert week["monday"] == known.monday.isoformat()
    this_week = [s for s in known.sets if s.logged_at.astimezone(ZONE).date() >= known.monday]
    assert week["total_sets"] == len(this_week)
    volume = {row["muscle"]: row for row in week["sets_per_muscle"]}
    assert volume["quads"]["done"] == 2 and volume["back"]["done"] == 1
    # The plan: squat 4 sets (Tuesday) and front squat 3 (Friday) train the quads, with
    # walking lunges (2); the leg curl trains none of them.
    assert volume["quads"]["planned"] == 4 + 3 + 2
    (record,) = week["records"]
    assert record["exercise"] == "squat" and record["set"]["weight"] == 255
    assert record["set"]["date"] == known.record_day.isoformat()
    previous_best = max(e1rm((185 + 10 * (6 - w)) * KG_PER_LB, 5) for w in range(1, 7))
    assert record["previous"]["estimated_1rm"] == pytest.approx(lb(previous_best), abs=0.06)
    assert week["sessions_done"] == [known.record_day.isoformat()]
    assert [s["name"] for s in week["sessions_planned"]] == [
        "Upper, heavy", "Lower, heavy", "Upper, volume", "Lower, volume",
    ]  # fmt: skip
    last_week = json.loads(
        invoke(
            "week", "--date", (known.monday - timedelta(days=3)).isoformat(), "--json", env=env
        ).stdout
    )
    assert last_week["records"][0]["exercise"] == "squat"  # 235 x 5 beat 225 x 5
    table = invoke("week", env=env)
    assert "personal records" in table.stdout and "255 lb x 3" in table.stdout


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(page: Path, out: Path, profile: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={profile}", f"--screenshot={out}", "--window-size=1200,900",
         page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def _colour_pixels(png: Path, colour: str) -> int:
    """How many pixels of the screenshot are (within a little anti-aliasing) `colour`."""
    import zlib

    import numpy as np

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = {}, 8
    idat = b""
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        offset += 12 + length
    width, height = (
        int.from_bytes(chunks[b"IHDR"][:4], "big"),
        int.from_bytes(chunks[b"IHDR"][4:8], "big"),
    )
    depth, colour_type = chunks[b"IHDR"][8], chunks[b"IHDR"][9]
    assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    pixels = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = (
            raw[start],
            np.frombuffer(raw[start + 1 : start + 1 + stride], dtype=np.uint8).astype(np.int32),
        )
        if kind == 0:
            current = line
        elif kind == 2:
            current = (line + previous) % 256
        else:  # Sub, Average and Paeth depend on the pixel to the left: one at a time
            current = np.zeros(stride, dtype=np.int32)
            for i in range(stride):
                left = current[i - channels] if i >= channels else 0
                up, corner = previous[i], (previous[i - channels] if i >= channels else 0)
                if kind == 1:
                    predictor = left
                elif kind == 3:
                    predictor = (left + up) // 2
                else:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                current[i] = (line[i] + predictor) % 256
        pixels[row] = current
        previous = current
    rgb = pixels.reshape(height, width, channels)[:, :, :3]
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).sum(axis=2) < 30).sum())


def test_html_report_renders_with_its_charts(
    history: tuple[History, dict[str, str]], tmp_path: Path
) -> None:
    _, env = history
    report = tmp_path / "progress.html"
    result = invoke("progress", "--html", str(report), env=env)
    assert result.exit_code == 0, result.output
    page = report.read_text()
    # Self-contained: nothing fetched (no linked file, script, style sheet or font), nothing
    # to run.
    assert "<svg" in page and "<script" not in page and "<link" not in page
    assert not re.search(
        r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?http""", page
    )
    shot = tmp_path / "progress.png"
    _screenshot(report, shot, tmp_path / "chromium-profile")
    squat, bench = SERIES_COLOURS[0], SERIES_COLOURS[1]
    assert _colour_pixels(shot, squat) > 200, "no squat line in the screenshot"
    assert _colour_pixels(shot, bench) > 200, "no bench press line in the screenshot"
    # Two series: the third colour is nowhere, so the pixel count is not just noise.
    assert _colour_pixels(shot, SERIES_COLOURS[3]) < 20
    week = tmp_path / "week.html"
    assert invoke("week", "--html", str(week), env=env).exit_code == 0
    _screenshot(week, tmp_path / "week.png", tmp_path / "chromium-profile")
    assert _colour_pixels(tmp_path / "week.png", SERIES_COLOURS[0]) > 200
