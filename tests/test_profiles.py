"""Your own profile: `fitcoach users add/show/edit/delete` on SQLite and Postgres, the
values they refuse, and a deletion that reaches the logbook journal."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Uuid, bindparam, func, select, text
from typer.testing import CliRunner

from fitcoach.agent.logbook import Journal, journal_path_for
from fitcoach.cli import app
from fitcoach.config import load_settings
from fitcoach.store import (
    UserPreferences,
    UserProfile,
    WorkoutLog,
    WorkoutSet,
    downgrade,
    insert_workout_sets,
    open_database,
    upgrade,
)

runner = CliRunner()


def invoke(*args: str, env: dict[str, str], input: str | None = None):
    return runner.invoke(app, list(args), env=env, input=input)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


ANNA = [
    "users", "add", "anna", "--goal", "strength", "--level", "beginner", "--unit", "lb",
    "--tz", "Europe/Berlin", "--body-weight", "150", "--height", "170", "--birth-year", "1990",
    "--sex", "female",
]  # fmt: skip


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    env = {"DATABASE_URL": database_url}
    assert invoke("db", "upgrade", env=env).exit_code == 0
    return env


def test_add_show_edit_a_profile(env: dict[str, str]) -> None:
    added = invoke(*ANNA, "--json", env=env)
    assert added.exit_code == 0, added.output
    anna = json.loads(added.stdout)
    assert anna["preferred_unit"] == "lb" and anna["timezone"] == "Europe/Berlin"
    assert anna["body_weight"] == 150 and anna["body_weight_kg"] == pytest.approx(68.039, abs=1e-3)
    assert anna["birth_year"] == 1990 and anna["sex"] == "female" and anna["goal"] == "strength"

    shown = json.loads(invoke("users", "show", "--user", "anna", "--json", env=env).stdout)
    assert shown == anna
    table = invoke("users", "show", "--user", anna["id"], env=env)
    assert table.exit_code == 0 and "Europe/Berlin" in table.stdout and "150 lb" in table.stdout

    edited = invoke(
        "users", "edit", "--user", "anna", "--unit", "kg", "--tz", "America/New_York",
        "--body-weight", "70", "--name", "anna-k", env=env,
    )  # fmt: skip
    assert edited.exit_code == 0, edited.output
    after = json.loads(invoke("users", "show", "--user", "anna-k", "--json", env=env).stdout)
    assert after["preferred_unit"] == "kg" and after["timezone"] == "America/New_York"
    assert after["body_weight_kg"] == 70 and after["height_cm"] == 170  # untouched
    listed = json.loads(invoke("users", "list", "--json", env=env).stdout)
    assert [user["name"] for user in listed] == ["anna-k"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (["--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["--tz", "../../etc/passwd"], "unknown time zone"),
        (["--body-weight", "-80"], "body weight must be a positive number"),
        (["--body-weight", "5000"], "body weight must be between"),
        (["--unit", "stone"], "unit must be kg or lb, not 'stone'"),
        (["--goal", "get huge"], "goal must be one of"),
        (["--level", "guru"], "level must be one of"),
        (["--height", "7 feet"], "height must be a positive number"),
        (["--birth-year", "1850"], "birth year must be between"),
        (["--sex", "robot"], "sex must be one of"),
    ],
)
def test_bad_values_are_one_line_and_change_nothing(
    sqlite_url: str, change: list[str], message: str
) -> None:
    env = {"DATABASE_URL": sqlite_url}
    assert invoke(*ANNA, env=env).exit_code == 0
    before = invoke("users", "show", "--user", "anna", "--json", env=env).stdout
    result = invoke("users", "edit", "--user", "anna", *change, env=env)
    assert result.exit_code == 2
    assert message in one_error_line(result)
    assert invoke("users", "show", "--user", "anna", "--json", env=env).stdout == before
    new = invoke("users", "add", "bob", "--goal", "strength", "--level", "beginner",
                 "--unit", "kg", "--tz", "UTC", *change, env=env)  # fmt: skip
    assert new.exit_code == 2 and message in one_error_line(new)


def test_add_refuses_missing_options_a_taken_name_and_a_uuid_name(sqlite_url: str) -> None:
    env = {"DATABASE_URL": sqlite_url}
    missing = invoke("users", "add", "bob", "--goal", "strength", env=env)
    assert missing.exit_code == 2
    assert "needs --level, --unit, --tz" in one_error_line(missing)
    assert invoke(*ANNA, env=env).exit_code == 0
    again = invoke(*ANNA[:2], "ANNA", *ANNA[3:], env=env)
    assert again.exit_code == 2 and "already exists" in one_error_line(again)
    as_id = invoke(*ANNA[:2], str(uuid.uuid4()), *ANNA[3:], env=env)
    assert as_id.exit_code == 2 and "cannot be a user id" in one_error_line(as_id)
    nothing = invoke("users", "edit", "--user", "anna", env=env)
    assert nothing.exit_code == 2 and "nothing to change" in one_error_line(nothing)
    hostile = invoke(*ANNA[:2], "x'; DROP TABLE users; --", *ANNA[3:], env=env)
    assert hostile.exit_code == 0
    names = {u["name"] for u in json.loads(invoke("users", "list", "--json", env=env).stdout)}
    assert names == {"anna", "x'; DROP TABLE users; --"}


def _sets(user_id: uuid.UUID, count: int) -> list[WorkoutSet]:
    now = datetime.now(UTC)
    return [
        WorkoutSet(
            id=uuid.uuid4(),
            user_id=user_id,
            exercise="squat",
            reps=5,
            weight_kg=100.0,
            logged_at=now,
        )  # fmt: skip
        for _ in range(count)
    ]


def test_delete_takes_the_logs_and_sets_aside_the_journal(
    env: dict[str, str], isolated_environment: Path
) -> None:
    anna = uuid.UUID(json.loads(invoke(*ANNA, "--json", env=env).stdout)["id"])
    bob_args = ["users", "add", "bob", "--goal", "strength", "--level", "beginner",
                "--unit", "kg", "--tz", "UTC", "--json"]  # fmt: skip
    bob = uuid.UUID(json.loads(invoke(*bob_args, env=env).stdout)["id"])
    settings = load_settings(database_url=env["DATABASE_URL"])
    journal_path = journal_path_for(settings.data_dir)

    async def arrange() -> None:
        database = open_database(settings)
        async with database.session() as session:
            await insert_workout_sets(session=session, sets=_sets(anna, 7) + _sets(bob, 2))
        await database.dispose()
        journal = Journal(journal_path)
        await journal.append(_sets(anna, 3) + _sets(bob, 1))
        await journal.close()

    asyncio.run(arrange())

    refused = invoke("users", "delete", "--user", "anna", env=env, input="n\n")
    assert refused.exit_code == 1 and "nothing deleted" in one_error_line(refused)
    result = invoke("users", "delete", "--user", "anna", "--yes", env=env)
    assert result.exit_code == 0, result.output
    assert "deleted anna and 7 logged sets; 3 sets" in result.stdout

    async def inspect() -> tuple[int, list[tuple[str, str]], dict[str, int]]:
        journal = Journal(journal_path)
        pending, rejected = await journal.count(), await journal.rejected()
        await journal.close()
        database = open_database(settings)
        async with database.session() as session:

            async def count(model: type, user_id: uuid.UUID) -> int:
                statement = select(func.count()).select_from(model)
                return (
                    await session.execute(statement.where(model.user_id == user_id))
                ).scalar_one()

            counts = {
                model.__tablename__: await count(model, anna)
                for model in (WorkoutLog, UserProfile, UserPreferences)
            }
            counts["bob_logs"] = await count(WorkoutLog, bob)
        await database.dispose()
        return pending, rejected, counts

    pending, rejected, counts = asyncio.run(inspect())
    assert pending == 1  # bob's set still waits for delivery
    assert len(rejected) == 3 and {reason for _, reason in rejected} == {"user deleted"}
    assert counts == {
        "workout_logs": 0, "user_profiles": 0, "user_preferences": 0, "bob_logs": 2,
    }  # fmt: skip
    gone = invoke("users", "show", "--user", "anna", env=env)
    assert gone.exit_code == 4


async def test_migration_turns_an_age_into_a_birth_year(database_url: str) -> None:
    database = open_database(load_settings(database_url=database_url))
    try:
        await upgrade(database, "0001")
        user_id = uuid.uuid4()
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, name, display_name) VALUES (:id, 'old', 'Old')"
                ).bindparams(bindparam("id", type_=Uuid())),
                {"id": user_id},
            )
            await connection.execute(
                text(
                    "INSERT INTO user_profiles (user_id, goal, experience_level, "
                    "body_weight_kg, height_cm, age, sex) VALUES "
                    "(:id, 'strength', 'beginner', 80, 180, 30, 'male')"
                ).bindparams(bindparam("id", type_=Uuid())),
                {"id": user_id},
            )
        await upgrade(database)
        async with database.engine.connect() as connection:
            year = (await connection.execute(text("SELECT birth_year FROM user_profiles"))).scalar()
        assert year == datetime.now(UTC).year - 30
        await downgrade(database, "0001")
        async with database.engine.connect() as connection:
            age = (await connection.execute(text("SELECT age FROM user_profiles"))).scalar()
        assert age == 30
    finally:
        await database.dispose()
