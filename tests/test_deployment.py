"""Dockerfile.agent and docker-compose.yml, checked as far as can be without a Docker engine."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def env_example_names() -> set[str]:
    return {
        m.group(1) for m in re.finditer(r"^([A-Z_]+)=", (REPO / ".env.example").read_text(), re.M)
    }


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_livekit_postgres_redis_a_migration_and_two_agents() -> None:
    services = compose()["services"]
    assert {"livekit", "postgres", "redis", "migrate", "livekit_agent"} <= set(services)
    assert "--dev" in services["livekit"]["command"]
    agent = services["livekit_agent"]
    assert agent["deploy"]["replicas"] == 2
    assert agent["deploy"]["resources"]["limits"] == {"cpus": "2", "memory": "1G"}
    assert agent["deploy"]["resources"]["reservations"] == {"cpus": "1", "memory": "512M"}
    assert agent["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["fitcoach", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert agent["command"] == ["fitcoach", "worker", "start"]
    assert any(v.endswith(":/var/lib/fitcoach") for v in agent["volumes"])  # the journal persists


def test_compose_passes_every_documented_variable_to_the_agents() -> None:
    agent_env = set(compose()["services"]["livekit_agent"]["environment"])
    assert env_example_names() <= agent_env
    assert compose()["services"]["livekit_agent"]["environment"]["DATABASE_URL"].startswith(
        "postgresql+asyncpg://"
    )


def test_stop_grace_outlasts_the_drain() -> None:
    agent = compose()["services"]["livekit_agent"]
    grace = int(agent["stop_grace_period"].rstrip("s"))
    drain = int(re.search(r"\d+", agent["environment"]["FITCOACH_DRAIN_TIMEOUT"]).group())  # type: ignore[union-attr]
    assert grace > drain


def test_dockerfile_is_slim_non_root_healthchecked_and_runs_the_worker() -> None:
    text = (REPO / "Dockerfile.agent").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] != "root"
    assert "HEALTHCHECK" in text and "FITCOACH_HEALTH_PORT" in text
    assert text.rstrip().splitlines()[-1] == 'CMD ["fitcoach", "worker", "start"]'
    assert "shared_intent_engine()" in text  # models are loaded during the build
    # What the image copies must exist.
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for name in source.split():
            assert (REPO / name).exists(), name
