"""Memory: peak RSS of a job process with the local engines loaded and two spoken turns
served, and of an idle worker (the main process that waits for LiveKit to dispatch jobs).
Each is measured in a fresh Python process, so nothing else this run loaded counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from _figures import REPO

# The kernel's high-water mark for this process image (getrusage's ru_maxrss would carry
# over the parent's peak across fork and exec).
_PEAK = """
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

_JOB = (
    _PEAK
    + """
import asyncio, json
from pathlib import Path
from fitcoach.agent.worker import prewarm
from fitcoach.config import load_settings
from fitcoach.runner.replay import replay

class Proc:
    userdata = {{}}

proc = Proc()
prewarm(proc)
after_prewarm = peak_kb()
fixtures = Path({fixtures!r})
paths = [fixtures / "02_conv_workout_today.wav", fixtures / "03_conv_log_squats.wav"]
# The session is built on what prewarm loaded, as the worker's entrypoint builds it.
asyncio.run(replay(paths, settings=load_settings(), engines=proc.userdata["engines"]))
peak = peak_kb()
print(json.dumps({{"after_prewarm_kb": after_prewarm, "peak_kb": peak}}))
"""
)

_IDLE_WORKER = (
    _PEAK
    + """
import asyncio, json
from fitcoach.agent.worker import build_server
from fitcoach.config import load_settings

async def main():
    server = build_server(load_settings(), num_idle_processes=0, port=0)
    runner = asyncio.ensure_future(server.run(devmode=False, unregistered=True))
    await asyncio.sleep(3)
    peak = peak_kb()
    await server.aclose()
    runner.cancel()
    print(json.dumps({"peak_kb": peak}))

asyncio.run(main())
"""
)


def _child(code: str, data_dir: Path) -> dict[str, Any]:
    environment = {**os.environ, "FITCOACH_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "failed")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def measure(workdir: Path) -> dict[str, Any]:
    job = _child(_JOB.format(fixtures=str(REPO / "fixtures")), workdir / "memory-job")
    worker = _child(_IDLE_WORKER, workdir / "memory-worker")
    return {
        "job_rss_mb": round(job["peak_kb"] / 1024, 1),
        "job_rss_after_prewarm_mb": round(job["after_prewarm_kb"] / 1024, 1),
        "worker_idle_rss_mb": round(worker["peak_kb"] / 1024, 1),
    }
