"""Start-up: how long a person waits before fitcoach answers, measured as whole processes.

    python -m bench.startup [--quick]

- `ask_s`: `fitcoach ask "..."` from exec to exit;
- `talk_text_ready_s`: `fitcoach talk --text` from exec to the coach's greeting;
- `worker_job_ready_s`: a worker's job process from exec to an agent ready for its first
  turn (prewarm: VAD, whisper, piper, intents, knowledge; then the user's context and the
  orchestrator).

Each is measured cold (no embedded phrase sets on disk: the intent prototypes and knowledge
questions are embedded again) and warm (read from the cache). The user is created with
`users add` and given a plan from examples/, nothing seeded. The cache lives in a scratch
XDG_CACHE_HOME, so the machine's own cache is neither used nor touched; the lean embedding
model is built there once before any figure is taken.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._figures import REPO

QUESTION = "how much protein do I need"

_JOB = """
import asyncio, sys, time
from fitcoach.agent.worker import prewarm
from fitcoach.agent.voice_agent import AgentServices, FitnessVoiceAgent
from fitcoach.config import load_settings
from fitcoach.store import open_migrated_database, resolve_user

class Proc:
    userdata = {}

async def ready():
    settings = load_settings()
    database = await open_migrated_database(settings)
    async with database.session() as session:
        user = await resolve_user(session=session, user_ref=sys.argv[1])
    services = AgentServices.around(settings, database)
    agent = FitnessVoiceAgent(user.id, "general", services=services)
    await agent.initialize_orchestrator()
    print("ready", flush=True)
    await agent.logbook.close()
    await services.close()

prewarm(Proc())
asyncio.run(ready())
"""


def _fitcoach(*args: str) -> list[str]:
    return [sys.executable, "-m", "fitcoach", *args]


def _run(command: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, input=stdin, text=True, check=True, capture_output=True)
    return time.perf_counter() - started


def _until_line(command: list[str], env: dict[str, str], marker: str) -> float:
    """Seconds from exec until a line holding `marker` is printed; the process is then ended
    the ordinary way (end of input)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        for line in process.stdout:
            if marker in line:
                elapsed = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"{command[3:5]} ended before printing {marker!r}")
        process.stdin.close()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return elapsed


def _environment(workdir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VOICE_", "ORCHESTRATOR_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        FITCOACH_DATA_DIR=str(workdir / "data"),
        XDG_CACHE_HOME=str(workdir / "cache"),
        PYTHONPATH=str(REPO),
        FITCOACH_LOG_LEVEL="WARNING",
    )
    return env


def _prepare(env: dict[str, str]) -> None:
    add = ["users", "add", "bench", "--goal", "strength", "--level", "intermediate"]
    subprocess.run(
        _fitcoach(*add, "--unit", "kg", "--tz", "Europe/Berlin"), env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    plan = REPO / "examples" / "upper-lower-4-day.yaml"
    subprocess.run(_fitcoach("plan", "import", str(plan)), env=env, check=True, capture_output=True)
    # Builds the lean embedding model and the phrase caches once: not part of any figure.
    _run(_fitcoach("ask", QUESTION, "--user", "bench"), env)


def _figure(samples: list[float]) -> dict[str, Any]:
    return {"n": len(samples), "median": round(statistics.median(samples), 3), "all": samples}


def measure(workdir: Path, *, quick: bool = False) -> dict[str, Any]:
    env = _environment(workdir)
    _prepare(env)
    vectors = workdir / "cache" / "fitcoach" / "vectors"
    runs = 1 if quick else 3
    kinds = {
        "ask_s": lambda: _run(_fitcoach("ask", QUESTION, "--user", "bench"), env),
        "talk_text_ready_s": lambda: _until_line(
            _fitcoach("talk", "--text", "--user", "bench"), env, "coach:"
        ),
        "worker_job_ready_s": lambda: _until_line(
            [sys.executable, "-c", _JOB, "bench"], env, "ready"
        ),
    }
    figures: dict[str, Any] = {}
    for name, once in kinds.items():
        cold, warm = [], []
        for _ in range(runs):
            shutil.rmtree(vectors, ignore_errors=True)
            cold.append(round(once(), 3))
            warm.append(round(once(), 3))
        figures[name] = {"cold": _figure(cold), "warm": _figure(warm)}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fitcoach-startup-") as scratch:
        figures = measure(Path(scratch), quick=args.quick)
    for name, by_cache in figures.items():
        print(f"{name}: cold {by_cache['cold']['median']} s, warm {by_cache['warm']['median']} s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
