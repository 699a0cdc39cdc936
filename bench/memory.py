"""Memory: peak RSS of a job process with the local engines loaded and two spoken turns
served (in a fresh Python process, so nothing else this run loaded counts), and the process
tree of a real `fitcoach worker start` registered with a stand-in LiveKit server on
127.0.0.1: its main process, the framework's forkserver and a warmed idle job process,
with the framework's preload of its local inference models off (fitcoach's default) and on."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench._figures import REPO

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
    tree = asyncio.run(_worker_tree(workdir / "memory-worker", preload=None))
    preloaded = asyncio.run(_worker_tree(workdir / "memory-worker-preload", preload="1"))
    return {
        "job_rss_mb": round(job["peak_kb"] / 1024, 1),
        "job_rss_after_prewarm_mb": round(job["after_prewarm_kb"] / 1024, 1),
        "worker_idle_rss_mb": tree["main"],
        "worker_forkserver_rss_mb": tree["forkserver"],
        "worker_idle_job_process_rss_mb": tree["idle_job"],
        "worker_forkserver_rss_mb_framework_preload": preloaded["forkserver"],
        "worker_idle_job_process_rss_mb_framework_preload": preloaded["idle_job"],
    }


async def _worker_tree(data_dir: Path, *, preload: str | None) -> dict[str, float]:
    """RSS (MB) of `fitcoach worker start --num-idle-processes 1`'s processes once its idle
    job process has finished loading the models."""
    import psutil

    from tests.fake_livekit import FakeLiveKit

    livekit = await FakeLiveKit().start()
    env = {
        **os.environ,
        "LIVEKIT_URL": livekit.url,
        "LIVEKIT_API_KEY": "bench",
        "LIVEKIT_API_SECRET": "b" * 40,
        "FITCOACH_HEALTH_PORT": "0",
        "FITCOACH_DATA_DIR": str(data_dir),
    }
    if preload is not None:
        env["LIVEKIT_AGENTS_PRELOAD_LOCAL_INFERENCE"] = preload
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fitcoach",
        "worker",
        "start",
        "--num-idle-processes",
        "1",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        main = psutil.Process(worker.pid)
        previous: list[int] = []
        for _ in range(240):  # the idle process is warm once its memory stops growing
            await asyncio.sleep(1)
            sizes = _sizes(main)
            if len(sizes) >= 3 and sizes == previous and max(sizes[1:]) > 200:
                break
            previous = sizes
        sizes = _sizes(main)
    finally:
        worker.terminate()
        await worker.wait()
        await livekit.stop()
    # Children by start: the forkserver, then the job processes it forks; the multiprocessing
    # resource tracker (about 12 MB) is not the worker's.
    children = [s for s in sizes[1:] if s > 20]
    return {
        "main": sizes[0],
        "forkserver": children[0] if children else 0.0,
        "idle_job": max(children[1:], default=0.0),
    }


def _sizes(main: Any) -> list[Any]:
    processes = [main, *sorted(main.children(recursive=True), key=lambda p: p.create_time())]
    sizes = []
    for process in processes:
        try:
            sizes.append(round(process.memory_info().rss / 2**20))
        except Exception:  # a process that has just exited
            continue
    return sizes
