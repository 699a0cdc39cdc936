"""Hostile and malformed input: the case tables in tests/hostile/ (which bench/hostile_inputs.py
counts) run against the real code, then hypothesis looks for what the tables missed."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fitcoach.agent.coach_tools import CoachTools
from fitcoach.agent.metadata import InvalidRoomMetadata, parse_room_metadata
from fitcoach.coach import AgentContext, load_agent_context
from fitcoach.config import load_settings
from fitcoach.runner.audio_files import AudioFileError, load_clip
from fitcoach.store import Database, User, open_database, seed, upgrade, user_id_for
from tests.hostile import audio, cli, metadata, problems, resources, tool_args
from tests.test_agent_tools import offline_logbook

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
async def seeded_sqlite(sqlite_url: str) -> Any:
    database = open_database(load_settings(database_url=sqlite_url))
    await upgrade(database)
    await seed(database)
    yield database
    await database.dispose()


async def test_room_metadata_table(seeded_sqlite: Database) -> None:
    table = metadata.cases()
    outcomes = await metadata.run(table, seeded_sqlite)
    assert len(outcomes) == len(table) >= 150
    assert problems(outcomes) == []
    assert {o.got for o in outcomes} == {"accepted", "refused", "unknown-user"}


async def test_bounded_resources_table(
    sqlite_url: str, seeded_sqlite: Database, tmp_path: Path
) -> None:
    settings_ = load_settings(database_url=sqlite_url, data_dir=str(tmp_path / "data"))
    table = resources.cases()
    outcomes = await resources.run(table, settings_, tmp_path)
    assert len(outcomes) == len(table)
    assert problems(outcomes) == []
    assert {o.got for o in outcomes} == {"refused", "answered", "bounded"}


async def test_log_workout_set_arguments_table_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    """Through AgentSession: the journal (SQLite) confirms, then Postgres stores the sets."""
    settings_ = load_settings(database_url=postgres_url, data_dir=str(tmp_path / "data"))
    database = open_database(settings_)
    await upgrade(database)
    await seed(database)
    await database.dispose()
    table = tool_args.cases()
    outcomes = await tool_args.run(table, settings_)
    assert len(outcomes) == len(table) >= 120
    assert problems(outcomes) == []
    assert {o.got for o in outcomes} == {"stored", "corrected", "refused"}


def test_replay_audio_files_table(tmp_path: Path) -> None:
    table = audio.cases(tmp_path / "audio")
    outcomes = audio.run(table)
    assert len(outcomes) == len(table) >= 45
    assert problems(outcomes) == []


def test_bad_command_lines_table(sqlite_url: str, tmp_path: Path) -> None:
    async def seed_with_twins() -> None:  # the commands run their own event loops
        database = open_database(load_settings(database_url=sqlite_url))
        await upgrade(database)
        await seed(database)
        async with database.session() as session:
            twins = [User(name="jo", display_name="Jo A"), User(name="Jo", display_name="Jo B")]
            session.add_all(twins)
            await session.commit()
        await database.dispose()

    asyncio.run(seed_with_twins())
    env = cli.isolated_env(DATABASE_URL=sqlite_url, FITCOACH_DATA_DIR=str(tmp_path / "data"))
    table = cli.cases(tmp_path / "files")
    outcomes = cli.run(table, env)
    assert len(outcomes) == len(table) >= 60
    assert problems(outcomes) == []


# -- hypothesis: what the tables did not think of ---------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.just(str(user_id_for("demo"))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
metadata_objects = st.fixed_dictionaries(
    {},
    optional={
        "user_id": json_values | st.uuids().map(str),
        "agent_type": json_values | st.sampled_from(["workout", "diet", "supplement", "general"]),
        "session_type": json_values,
        "created_at": json_values | st.datetimes().map(lambda d: d.isoformat()),
    },
)


@FUZZ
@given(raw=st.text(max_size=300) | metadata_objects.map(json.dumps) | json_values.map(json.dumps))
def test_any_room_metadata_is_parsed_or_refused_with_a_printable_reason(raw: str) -> None:
    try:
        parsed = parse_room_metadata(raw)
    except InvalidRoomMetadata as exc:
        # One fixed-size message per field at most, and never the metadata itself.
        reason = str(exc)
        assert reason.isprintable() and len(reason) < 500, reason
        assert len(raw) < 40 or raw[:40] not in reason
    else:
        assert parsed.user_id is None or isinstance(parsed.user_id, uuid.UUID)


@pytest.fixture
async def demo(seeded_sqlite: Database) -> AgentContext:
    return await load_agent_context(seeded_sqlite, user_id_for("demo"))


@FUZZ
@given(
    exercise=json_values | st.text(max_size=300),
    reps=json_values,
    weight=json_values,
    unit=json_values | st.sampled_from(["kg", "lb", "pounds"]),
    sets=json_values,
)
async def test_any_tool_arguments_are_logged_or_corrected(
    demo: AgentContext,
    tmp_path: Path,
    exercise: Any,
    reps: Any,
    weight: Any,
    unit: Any,
    sets: Any,
) -> None:
    """Whatever the LLM sends, log_workout_set confirms exactly the sets it queued, or asks a
    question and queues nothing; it never raises."""
    logbook = offline_logbook(tmp_path)
    tools = CoachTools(context=demo, logbook=logbook, orchestrator=None)
    try:
        reply = await tools.log_set(exercise, reps, weight, unit, sets)
        queued = [p.workout_set for p in await logbook._journal.oldest(100)]
    finally:
        await logbook.close()
    if reply.startswith("Logged"):
        assert queued and all(1 <= s.reps <= 1000 for s in queued)
        assert all(math.isfinite(s.weight_kg) and 0 <= s.weight_kg <= 1000 for s in queued)
        assert isinstance(exercise, str) and queued[0].exercise.strip()
    else:
        assert "?" in reply and queued == []


@settings(max_examples=100, deadline=None)
@given(
    head=st.sampled_from([b"", b"RIFF", b"RIFF\x24\x00\x00\x00WAVEfmt ", b"ID3", b"OggS"]),
    body=st.binary(max_size=2048),
)
def test_any_bytes_as_audio_are_a_clip_or_one_line_refusal(
    tmp_path_factory: pytest.TempPathFactory, head: bytes, body: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "clip.wav"
    path.write_bytes(head + body)
    try:
        clip = load_clip(path)
    except AudioFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
    else:
        assert clip.samples.dtype.name == "int16" and clip.duration_s > 0


def test_the_bench_script_counts_the_tested_tables(tmp_path: Path) -> None:
    """bench.hostile_inputs runs these same tables and its JSON line counts them (three
    categories here: the tests above run all five in-process)."""
    repo = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hostile_inputs",
            "--only",
            "metadata,audio,resources",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(repo)},  # the benchmarks are the package `bench`
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    tabled = len(metadata.cases()) + len(audio.cases(tmp_path / "audio")) + len(resources.cases())
    assert figures["cases"] == figures["handled"] == tabled and figures["crashes"] == 0
    assert set(figures["categories"]) == {"metadata", "audio", "resources"}
    assert "hostile and malformed input" in result.stdout
