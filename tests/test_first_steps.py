"""A person who has just installed fitcoach, with nothing seeded: they add themselves, import
a plan, talk to the coach, and read back their sets, their week and their progress, in
pounds and in their own time zone. Every step is the real command, in its own process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
ZONE = ZoneInfo("America/Los_Angeles")


def fitcoach(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "fitcoach", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, f"fitcoach {' '.join(args)}: {result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr
    return result.stdout


def test_a_new_user_from_first_command_to_progress_chart(tmp_path: Path) -> None:
    env = {**os.environ, "FITCOACH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "120"}
    for name in ("DATABASE_URL", "REDIS_URL", "VOICE_LLM_PROVIDER", "ORCHESTRATOR_LLM_PROVIDER"):
        env.pop(name, None)

    fitcoach(env, "users", "add", "lee", "--goal", "strength", "--level", "beginner",
             "--unit", "lb", "--tz", "America/Los_Angeles", "--body-weight", "165",
             "--height", "70in", "--birth-year", "1992")  # fmt: skip
    imported = fitcoach(env, "plan", "import", str(REPO / "examples" / "beginner-full-body.yaml"))
    assert "3 training days" in imported
    week_plan = json.loads(fitcoach(env, "plan", "show", "--week", "--json"))
    assert week_plan["unit"] == "lb"
    monday = week_plan["days"][0]["workout"]
    assert monday["name"] == "Full body A" and monday["exercises"][0]["load"] == 88.2  # 40 kg

    conversation = fitcoach(
        env, "talk", "--text", "--user", "lee",
        stdin="what's my workout today?\nlog three sets of five squats at 135 pounds\n",
    )  # fmt: skip
    assert re.search(r"coach: .*(Full body|rest day)", conversation), conversation
    assert "Logged 3 sets of squat, 5 reps at 135 pounds." in conversation
    # The next conversation reads the sets back from the database.
    later = fitcoach(env, "talk", "--text", "--user", "lee", stdin="how's my squat going?\n")
    assert "Your last top set was 135 pounds for 5, today." in later

    now = datetime.now(UTC).astimezone(ZONE)
    listed = fitcoach(env, "logs", "list", "--user", "lee")
    row = next(line for line in listed.splitlines() if "squat" in line)
    assert "3 x 5 @ 135 lb" in row
    assert now.strftime("%Y-%m-%d") in row and now.strftime("%Z") in row  # PST or PDT
    exported = json.loads(fitcoach(env, "logs", "export", "--format", "json"))
    assert [(r["weight"], r["unit"]) for r in exported] == [(135.0, "lb")] * 3
    assert all(r["logged_at"].endswith(now.strftime("%z")[:3] + ":" + now.strftime("%z")[3:])
               for r in exported)  # fmt: skip

    week = json.loads(fitcoach(env, "week", "--json"))
    volume = {m["muscle"]: m for m in week["sets_per_muscle"]}
    assert volume["quads"]["done"] == 3 and volume["quads"]["planned"] > 0
    assert week["sessions_done"] == [now.date().isoformat()]
    assert len(week["sessions_planned"]) == 3
    assert "sets per muscle" in fitcoach(env, "week")

    chart = fitcoach(env, "progress", "squat")
    assert "estimated one-rep max (lb)" in chart and "135 lb x 5" in chart
    progress = json.loads(fitcoach(env, "progress", "squat", "--json"))
    (squat,) = progress["exercises"]
    assert squat["best"]["weight"] == 135 and squat["best"]["reps"] == 5
    assert progress["timezone"] == "America/Los_Angeles"

    users = json.loads(fitcoach(env, "users", "list", "--json"))
    assert [u["name"] for u in users] == ["lee"]  # nothing seeded, ever
