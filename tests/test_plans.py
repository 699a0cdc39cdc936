"""Plans as files: the shipped examples import and export on SQLite and Postgres, mistakes are
reported with their line, an import is all or nothing, and a running agent sees the new
plan at its next turn."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from livekit.agents import AgentSession
from typer.testing import CliRunner

from fitcoach.agent.voice_agent import CONTEXT_RELOAD_SETTLE_S, AgentServices, FitnessVoiceAgent
from fitcoach.cli import app
from fitcoach.coach.plan_file import PlanFileError, parse_plan
from fitcoach.config import load_settings
from fitcoach.store import open_database
from fitcoach.store.plans import LiftSpec, SessionSpec, WeeklyPlan, replace_weekly_plan, weekly_plan
from tests.fakes import ScriptedLLM, last_tool_output, tool_call

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
REDIS_URL = os.environ.get("FITCOACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
runner = CliRunner()


def invoke(*args: str, env: dict[str, str]):
    return runner.invoke(app, list(args), env=env)


def add_user(env: dict[str, str], name: str = "anna", unit: str = "kg") -> uuid.UUID:
    assert invoke("db", "upgrade", env=env).exit_code == 0
    result = invoke("users", "add", name, "--goal", "strength", "--level", "beginner",
                    "--unit", unit, "--tz", "Europe/Berlin", "--json", env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    return uuid.UUID(json.loads(result.stdout)["id"])


def week(env: dict[str, str], user: str = "anna") -> dict:
    result = invoke("plan", "show", "--user", user, "--week", "--json", env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_example_plans_ship() -> None:
    assert [path.name for path in EXAMPLES] == [
        "beginner-full-body.yaml",
        "upper-lower-4-day.yaml",
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_examples_import_show_and_round_trip(
    database_url: str, tmp_path: Path, example: Path
) -> None:
    env = {"DATABASE_URL": database_url}
    add_user(env, unit="lb")
    imported = invoke("plan", "import", str(example), env=env)  # the only user: no --user
    assert imported.exit_code == 0, imported.output
    plan = parse_plan(example.read_text())
    shown = week(env)
    assert shown["unit"] == "lb"
    for day in shown["days"]:
        planned = plan.workouts[day["weekday"].lower()]  # type: ignore[index]
        if planned is None:
            assert day["workout"] is None
            continue
        assert day["workout"]["name"] == planned.name
        for entry, row in zip(planned.exercises, day["workout"]["exercises"], strict=True):
            assert (row["exercise"], row["sets"], row["reps"], row["rpe"]) == (
                entry.exercise, entry.sets, entry.reps, entry.rpe,
            )  # fmt: skip
            expected_lb = None if not entry.load else round(entry.load / 0.45359237, 1)
            assert row["load"] == expected_lb  # stored in kg, shown in the user's pounds
        assert [meal["name"] for meal in day["meals"]]
    exported = invoke("plan", "export", env=env)
    assert exported.exit_code == 0
    (tmp_path / "again.yaml").write_text(exported.stdout)
    assert invoke("plan", "import", str(tmp_path / "again.yaml"), env=env).exit_code == 0
    assert week(env) == shown
    assert invoke("plan", "export", env=env).stdout == exported.stdout


MISTAKES = [
    ("workouts:\n  monday:\n    name: A\n    exercises:\n      - exercise: squat\n"
     "        sets: 3\n        reps: 8.5\n", "plan.yaml:7: reps must be a whole number"),
    ("workouts:\n  funday: rest\n", "plan.yaml:2: 'funday' is not a day of the week"),
    ("workouts:\n  monday:\n    name: A\n    exercises:\n      - exercise: squat\n"
     "        sets: 3\n", "plan.yaml:5: reps is missing"),
    ("workouts:\n  monday:\n    name: A\n    exercises:\n      - {exercise: squat, "
     "sets: 0, reps: 5}\n", "plan.yaml:5: sets must be at least 1"),
    ("workouts:\n  monday:\n    name: A\n    exercises:\n      - {exercise: squat, "
     "sets: 3, reps: 5, load: -20}\n", "plan.yaml:5: load must be at least 0"),
    ("unit: stone\nworkouts: {}\n", "plan.yaml:1: unit must be 'kg' or 'lb'"),
    ("workouts:\n  monday: gym\n", "plan.yaml:2: monday must be 'rest' or a workout"),
    ("workouts:\n  monday: rest\n  Monday: rest\n", "plan.yaml:3: Monday is given twice"),
    ("workouts:\n  monday: [\n", "plan.yaml:3: not valid YAML"),
    ("meals:\n  every day:\n    - name: X\n      protein: lots\n      carbs: 1\n      fat: 1\n",
     "plan.yaml:4: protein must be a number"),
    ("meals:\n  every day:\n    - {name: X, protein: 1, carbs: 1, fat: 1, sugar: 3}\n",
     "plan.yaml:3: unknown field 'sugar'"),
    ("- just a list\n", "plan.yaml:1: a plan file is a mapping"),
    ("", "plan.yaml:1: the file is empty"),
    ("name: nothing in it\n", "plan.yaml:1: the plan has neither workouts nor meals"),
    ("!!python/object:os.system {}\n", "plan.yaml:1: not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MISTAKES)
def test_a_mistake_is_reported_with_its_line(text: str, message: str) -> None:
    with pytest.raises(PlanFileError) as caught:
        parse_plan(text, "plan.yaml")
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_file_changes_nothing_and_says_where(sqlite_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": sqlite_url}
    add_user(env)
    assert invoke("plan", "import", str(EXAMPLES[1]), env=env).exit_code == 0
    before = week(env)
    broken = EXAMPLES[0].read_text().replace("reps: 10, load: 14}", "reps: ten, load: 14}")
    (tmp_path / "broken.yaml").write_text(broken)
    line = broken.splitlines().index(next(s for s in broken.splitlines() if "reps: ten" in s)) + 1
    result = invoke("plan", "import", str(tmp_path / "broken.yaml"), env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: broken.yaml:{line}: reps must be a whole number"
    assert week(env) == before


async def test_an_import_the_database_refuses_leaves_the_old_plan(database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    user_id = await asyncio.to_thread(add_user, env)
    database = open_database(load_settings(database_url=database_url))
    lift = LiftSpec("squat", 3, 5, 100.0, None, 120)
    try:
        async with database.session() as session:
            await replace_weekly_plan(
                session=session,
                user_id=user_id,
                plan=WeeklyPlan(workouts={0: SessionSpec("Old", (lift,))}),
            )
        # Weekday 9 breaks the table's CHECK constraint after Monday's rows are written.
        bad = WeeklyPlan(workouts={0: SessionSpec("New", (lift,)), 9: SessionSpec("X", (lift,))})
        with pytest.raises(Exception):  # noqa: B017 - whichever driver error it is
            async with database.session() as session:
                await replace_weekly_plan(session=session, user_id=user_id, plan=bad)
        async with database.session() as session:
            kept = await weekly_plan(session=session, user_id=user_id)
        assert kept.workouts == {0: SessionSpec("Old", (lift,))}
    finally:
        await database.dispose()


async def _redis_or_skip() -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except Exception as exc:
        if os.environ.get("FITCOACH_REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL} ({type(exc).__name__})")
    finally:
        await client.aclose()


async def test_a_running_agent_sees_an_imported_plan_at_its_next_turn(
    sqlite_url: str, tmp_path: Path
) -> None:
    await _redis_or_skip()
    env = {"DATABASE_URL": sqlite_url, "REDIS_URL": REDIS_URL}
    await asyncio.to_thread(add_user, env)
    assert (
        await asyncio.to_thread(invoke, "plan", "import", str(EXAMPLES[0]), env=env)
    ).exit_code == 0
    settings = load_settings(database_url=sqlite_url, redis_url=REDIS_URL, data_dir=str(tmp_path))
    services = AgentServices.open(settings)
    user = json.loads(
        (
            await asyncio.to_thread(invoke, "users", "show", "--user", "anna", "--json", env=env)
        ).stdout
    )
    agent = FitnessVoiceAgent(user["id"], "workout", services=services)
    await agent.initialize_orchestrator()
    await services.contexts.cache.wait_subscribed()  # type: ignore[attr-defined]
    today = datetime.now(UTC).astimezone(agent.user_context.zone).strftime("%A").lower()  # type: ignore[union-attr]
    # Today is a training day in the new plan, whatever day the test runs on.
    new_plan = tmp_path / "new.yaml"
    new_plan.write_text(
        f"workouts:\n  {today}:\n    name: Brand new day\n    exercises:\n"
        "      - {exercise: front squat, sets: 5, reps: 3, load: 70}\n"
    )
    llm = ScriptedLLM([tool_call("get_todays_workout"), last_tool_output] * 2)
    try:
        async with AgentSession(llm=llm) as session:
            await session.start(agent)
            first = await session.run(user_input="what's my workout today?")
            before = first.expect[-1].event().item.text_content
            assert "Brand new day" not in before
            # Another process imports the plan; Redis carries the invalidation here.
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "fitcoach", "plan", "import", str(new_plan),
                env={**os.environ, **env, "FITCOACH_DATA_DIR": str(tmp_path)},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await process.communicate()
            assert process.returncode == 0, err.decode()
            deadline = asyncio.get_running_loop().time() + CONTEXT_RELOAD_SETTLE_S + 10
            while agent.user_context.current_workout_plan is None or (  # type: ignore[union-attr]
                agent.user_context.current_workout_plan.name != "Brand new day"  # type: ignore[union-attr]
            ):
                assert asyncio.get_running_loop().time() < deadline, "the agent never reloaded"
                await asyncio.sleep(0.1)
            second = await session.run(user_input="what's my workout today?")
            after = second.expect[-1].event().item.text_content
            assert after.startswith("Today is Brand new day: front squat, 5 sets of 3 at 70")
    finally:
        await agent.cleanup()
        await services.close()
