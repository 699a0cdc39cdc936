"""Every command through Typer's CliRunner, including the mistakes a user can make."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fitcoach import __version__
from fitcoach.cli import app
from fitcoach.store import head_revision, user_id_for

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return runner.invoke(app, list(args), env=env, input=input)


def one_error_line(result) -> str:
    """The failure message, asserting it is a single line with no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def seeded(database_url: str) -> dict[str, str]:
    """Environment for a migrated and seeded database on each backend."""
    env = {"DATABASE_URL": database_url}
    assert invoke("db", "upgrade", env=env).exit_code == 0
    assert invoke("seed", env=env).exit_code == 0
    return env


def test_version_and_help() -> None:
    assert invoke("--version").stdout.strip() == f"fitcoach {__version__}"
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("db", "users", "logs", "seed", "config"):
        assert command in result.stdout


def test_first_use_of_default_sqlite_creates_and_migrates_it(isolated_environment: Path) -> None:
    result = invoke("users", "list")
    assert result.exit_code == 0, result.output
    assert "no users yet" in result.stdout
    assert (isolated_environment / "fitcoach.db").exists()


def test_seed_is_idempotent_and_reports_what_it_did() -> None:
    first = invoke("seed")
    assert first.exit_code == 0, first.output
    assert "created: demo, maria, kenji, sam" in first.stdout
    second = invoke("seed")
    assert "already present, left as they are: 4 users" in second.stdout
    assert "created" not in second.stdout
    more = invoke("seed", "--users", "3")
    assert "3 synthetic users" in more.stdout


def test_users_list_as_table_and_json(seeded: dict[str, str]) -> None:
    table = invoke("users", "list", env=seeded)
    assert table.exit_code == 0
    assert "demo" in table.stdout and str(user_id_for("demo")) in table.stdout
    users = json.loads(invoke("users", "list", "--json", env=seeded).stdout)
    assert {u["name"] for u in users} == {"demo", "maria", "kenji", "sam"}
    maria = next(u for u in users if u["name"] == "maria")
    assert maria["preferred_unit"] == "lb" and maria["timezone"] == "America/New_York"


def test_logs_list_by_name_or_id_with_since_and_limit(seeded: dict[str, str]) -> None:
    by_name = json.loads(
        invoke("logs", "list", "--user", "demo", "--json", "-n", "5", env=seeded).stdout
    )
    by_id = json.loads(
        invoke(
            "logs", "list", "--user", str(user_id_for("demo")), "--json", "-n", "5", env=seeded
        ).stdout
    )
    assert len(by_name) == 5 and by_name == by_id
    assert {row["user"] for row in by_name} == {"demo"}
    since = by_name[-1]["logged_at"]
    recent = json.loads(
        invoke(
            "logs", "list", "--user", "demo", "--since", since, "--json", "-n", "1000", env=seeded
        ).stdout
    )
    assert recent and all(row["logged_at"] >= since for row in recent)
    table = invoke("logs", "list", "--user", "maria", env=seeded)
    assert table.exit_code == 0 and "newest first" in table.stdout


def test_unknown_user_is_one_line(seeded: dict[str, str]) -> None:
    result = invoke("logs", "list", "--user", "nobody", env=seeded)
    assert result.exit_code == 4
    assert "no user named 'nobody'" in one_error_line(result)
    missing = str(uuid.uuid4())
    result = invoke("logs", "list", "--user", missing, env=seeded)
    assert result.exit_code == 4 and missing in one_error_line(result)


def test_hostile_user_names_are_data(seeded: dict[str, str]) -> None:
    for hostile in ("demo' OR '1'='1", "x" * 10_000, "[bold red]demo[/]", "; DROP TABLE users; --"):
        result = invoke("logs", "list", "--user", hostile, env=seeded)
        assert result.exit_code == 4
        assert len(one_error_line(result)) < 200
    assert invoke("users", "list", "--json", env=seeded).exit_code == 0


def test_ambiguous_name_lists_the_candidates(seeded: dict[str, str]) -> None:
    import asyncio

    from fitcoach.config import load_settings
    from fitcoach.store import User, open_database

    async def add_twins() -> list[uuid.UUID]:
        database = open_database(load_settings(database_url=seeded["DATABASE_URL"]))
        twins = [User(name="jo", display_name="Jo A"), User(name="Jo", display_name="Jo B")]
        async with database.session() as session:
            session.add_all(twins)
            await session.commit()
        await database.dispose()
        return [twin.id for twin in twins]

    ids = asyncio.run(add_twins())
    result = invoke("logs", "list", "--user", "jo", env=seeded)
    assert result.exit_code == 4
    line = one_error_line(result)
    assert "more than one user" in line and all(str(i) in line for i in ids)


def test_bad_since_and_limit() -> None:
    result = invoke("logs", "list", "--since", "last tuesday")
    assert result.exit_code == 2 and "--since" in one_error_line(result)
    assert invoke("logs", "list", "--limit", "0").exit_code == 2


def test_db_upgrade_current_downgrade(database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    current = invoke("db", "current", env=env)
    assert current.exit_code == 0 and "revision none" in current.stdout
    upgraded = invoke("db", "upgrade", env=env)
    assert upgraded.exit_code == 0 and f"revision {head_revision()} (up to date)" in upgraded.stdout
    refused = invoke("db", "downgrade", "base", env=env, input="n\n")
    assert refused.exit_code != 0
    assert f"revision {head_revision()}" in invoke("db", "current", env=env).stdout
    downgraded = invoke("db", "downgrade", "base", "--yes", env=env)
    assert downgraded.exit_code == 0 and "revision none" in downgraded.stdout
    unknown = invoke("db", "upgrade", "nonexistent", env=env)
    assert unknown.exit_code == 2 and "nonexistent" in one_error_line(unknown)


def test_unmigrated_postgres_says_which_command_fixes_it(postgres_url: str) -> None:
    result = invoke("users", "list", env={"DATABASE_URL": postgres_url})
    assert result.exit_code == 3
    assert "run `fitcoach db upgrade`" in one_error_line(result)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://coach:S3cretPassw0rd@127.0.0.1:1/fitness",
            "cannot reach the database 'fitness' on 127.0.0.1:1",
        ),
        ("postgres://coach:S3cretPassw0rd@nohost.invalid/fitness", "unknown host"),
        ("postgresql+asyncpg://coach:S3cretPassw0rd@127.0.0.1:1/fitness", "connection refused"),
        ("mysql://coach:S3cretPassw0rd@localhost/fitness", "supports sqlite and postgresql"),
        ("postgresql://coach:S3cretPassw0rd@host:notaport/fitness", "not a valid database URL"),
        ("not a url at all S3cretPassw0rd", "not a valid database URL"),
        ("postgresql://coach:S3cretPassw0rd@127.0.0.1", "names no database"),
        ("sqlite:////proc/no/such/dir/fitcoach.db", "cannot create the directory"),
    ],
)
def test_database_url_problems_are_one_line_without_the_password(url: str, expected: str) -> None:
    result = invoke("users", "list", env={"DATABASE_URL": url})
    assert result.exit_code in (2, 3)
    line = one_error_line(result)
    assert expected in line
    assert "S3cretPassw0rd" not in result.output + result.stderr


def test_invalid_setting_names_the_variable() -> None:
    result = invoke("config", env={"VOICE_LLM_PROVIDER": "skynet"})
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "VOICE_LLM_PROVIDER" in line and "skynet" not in line


def test_config_masks_every_secret(isolated_environment: Path) -> None:
    secrets = {
        "LIVEKIT_API_KEY": "APIfakeKey-live-0xC0FFEE",
        "LIVEKIT_API_SECRET": "lk-secret-DEADBEEF-123456",
        "DEEPGRAM_API_KEY": "dg-fake-key-ABCDEF987654",
        "CARTESIA_API_KEY": "sk_car_fake_5550199",
        "OPENAI_API_KEY": "sk-proj-fakefakefake0001",
        "ANTHROPIC_API_KEY": "sk-ant-fake-000000000002",
        "GOOGLE_API_KEY": "AIzaFakeGoogleKey0000003",
    }
    env = {
        **secrets,
        "DATABASE_URL": "postgresql://coach:Pg-Passw0rd-77@db.example:5432/fitness",
        "REDIS_URL": "redis://:Redis-Passw0rd-88@cache:6379/0",
        "VOICE_LLM_PROVIDER": "openai",
    }
    result = invoke("config", env=env)
    assert result.exit_code == 0, result.output
    everything = result.stdout + result.stderr
    for secret in [*secrets.values(), "Pg-Passw0rd-77", "Redis-Passw0rd-88"]:
        assert secret not in everything
    assert everything.count("set (hidden)") == len(secrets)
    assert "postgresql://coach:***@db.example:5432/fitness" in everything
    assert "VOICE_LLM_PROVIDER" in everything and "openai" in everything
    assert "database 'fitness' on db.example:5432 (from DATABASE_URL)" in everything


def test_config_shows_the_default_database_location(isolated_environment: Path) -> None:
    result = invoke("config")
    assert f"SQLite at {isolated_environment / 'fitcoach.db'} (default)" in result.stdout


def test_dotenv_file_is_read(isolated_environment: Path, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("VOICE_CONTEXT_CACHE_TTL=42\nOPENAI_API_KEY=\n")
    result = invoke("config")
    assert result.exit_code == 0
    assert any(
        "VOICE_CONTEXT_CACHE_TTL" in line and "42" in line for line in result.stdout.splitlines()
    )
    assert any(
        "OPENAI_API_KEY" in line and "(not set)" in line for line in result.stdout.splitlines()
    )
