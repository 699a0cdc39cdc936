"""Commands that load models show that they are loading on a terminal, and nothing when
piped; the start-up benchmark measures whole processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parents[1]


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "FITCOACH_DATA_DIR": str(data), "COLUMNS": "100"}


def _add_user(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "fitcoach", "users", "add", "lee", "--goal", "strength",
         "--level", "beginner", "--unit", "kg", "--tz", "Asia/Tokyo", "--body-weight", "70",
         "--height", "175", "--birth-year", "1995"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip


def test_ask_shows_a_spinner_on_a_terminal_and_nothing_when_piped(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    _add_user(env)
    child = pexpect.spawn(
        sys.executable, ["-m", "fitcoach", "ask", "how much protein do I need", "--user", "lee"],
        env=env, encoding="utf-8", timeout=120, dimensions=(24, 100),
    )  # fmt: skip
    child.expect("loading the coach")
    child.expect("grams of protein")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = subprocess.run(
        [sys.executable, "-m", "fitcoach", "ask", "how much protein do I need", "--user", "lee",
         "--json"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "loading" not in piped.stdout + piped.stderr
    assert "grams of protein" in json.loads(piped.stdout)["answer"]


def test_talk_text_shows_a_spinner_until_the_greeting(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    _add_user(env)
    child = pexpect.spawn(
        sys.executable, ["-m", "fitcoach", "talk", "--text", "--user", "lee"],
        env=env, encoding="utf-8", timeout=180, dimensions=(24, 100),
    )  # fmt: skip
    child.expect("loading the coach")
    child.expect("coach: ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_startup_benchmark_quick_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.startup", "--quick"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # the benchmarks are the package `bench`
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for name in ("ask_s", "talk_text_ready_s", "worker_job_ready_s"):
        assert 0 < figures[name]["warm"]["median"] < 120
        assert 0 < figures[name]["cold"]["median"] < 180
