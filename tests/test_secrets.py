"""No secret (API keys, the LiveKit secret, passwords in URLs) appears in any output: every
command's stdout and stderr, and every log line at DEBUG of a worker job."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

SECRETS = {
    "LIVEKIT_API_KEY": "APIzz-livekit-key-7f3a91",
    "LIVEKIT_API_SECRET": "lk-secret-e5b2c9d81f",
    "DEEPGRAM_API_KEY": "dg-secret-4c1e8a77b0",
    "CARTESIA_API_KEY": "sk_car_secret_9d2f61",
    "OPENAI_API_KEY": "sk-proj-secret-0a8b7c6d5e",
    "ANTHROPIC_API_KEY": "sk-ant-secret-5f4e3d2c1b",
    "GOOGLE_API_KEY": "AIzaSecret-1a2b3c4d5e6f",
}
DB_PASSWORD = "pg-Pass-w0rd-3141"
REDIS_PASSWORD = "redis-Pass-2718"


def _all_secrets() -> list[str]:
    return [*SECRETS.values(), DB_PASSWORD, REDIS_PASSWORD]


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        **SECRETS,
        "FITCOACH_DATA_DIR": str(tmp_path / "data"),
        "FITCOACH_LOG_LEVEL": "DEBUG",
        "LIVEKIT_URL": "ws://127.0.0.1:1",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0",
        "VOICE_STT_PROVIDER": "deepgram",
        "VOICE_TTS_PROVIDER": "cartesia",
        "VOICE_LLM_PROVIDER": "openai",
    }


@pytest.mark.parametrize(
    "command",
    [
        ["config"],
        ["users", "list"],
        ["db", "current"],
        ["logs", "list", "--user", "demo"],
        ["seed"],
        ["ask", "is creatine safe"],
    ],
)
def test_commands_never_print_a_secret(tmp_path: Path, command: list[str]) -> None:
    unreachable = f"postgresql://coach:{DB_PASSWORD}@127.0.0.1:1/fitness"
    result = subprocess.run(
        [sys.executable, "-m", "fitcoach", *command],
        env=_env(tmp_path, unreachable),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    for secret in _all_secrets():
        assert secret not in output, (command, secret)
    assert "Traceback" not in output


def test_worker_start_with_every_key_set_prints_no_secret(tmp_path: Path) -> None:
    """Malformed LIVEKIT_URL: the worker refuses before connecting, and says why."""
    env = _env(tmp_path, f"postgresql://coach:{DB_PASSWORD}@127.0.0.1:1/fitness")
    env["LIVEKIT_URL"] = f"not-a-url-{SECRETS['LIVEKIT_API_SECRET']}"
    result = subprocess.run(
        [sys.executable, "-m", "fitcoach", "worker", "start", "--log-level", "DEBUG"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    for secret in _all_secrets():
        assert secret not in result.stdout + result.stderr


async def test_a_worker_job_at_debug_logs_no_secret(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fitcoach.config import load_settings
    from fitcoach.store import open_database, seed, upgrade
    from tests.fakes import last_tool_output, tool_call
    from tests.test_worker import ScriptedSessions, meta, run_jobs

    # Trust authentication ignores the password, so the job really runs with it in its URL.
    with_password = (
        make_url(postgres_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    )
    for name, value in _env(tmp_path, with_password).items():
        if name in SECRETS or name.startswith(("FITCOACH_", "DATABASE_", "LIVEKIT_")):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    database = open_database(load_settings())
    await upgrade(database)
    await seed(database)
    await database.dispose()
    caplog.set_level(logging.DEBUG)
    sessions = ScriptedSessions(
        [tool_call("log_workout_set", exercise="squat", reps=5, weight=100), last_tool_output]
    )

    async def converse() -> None:
        import asyncio

        for _ in range(300):
            if sessions.created:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        session = sessions.created[0][0]
        await sessions.in_job(0, session.aclose())

    await run_jobs(
        sessions,
        [meta(), '{"user_id": "' + SECRETS["OPENAI_API_KEY"][:8] + '"}'],
        during=converse,
    )
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    captured = capsys.readouterr()
    for secret in _all_secrets():
        assert secret not in logged and secret not in captured.out + captured.err, secret
    assert "session started" in caplog.text and "job refused" in caplog.text
