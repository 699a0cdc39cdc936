"""Dockerfile.agent and docker-compose.yml, checked as far as can be without a Docker engine."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
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
    assert "--dev" not in services["livekit"]["command"]
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


# -- safe by default ---------------------------------------------------------------------------

# A complete .env as an operator writes one (values made up for the test).
FILLED_ENV = {
    "POSTGRES_PASSWORD": "pg-" + "p" * 30,
    "REDIS_PASSWORD": "redis-" + "r" * 30,
    "LIVEKIT_API_KEY": "APIfitcoach",
    "LIVEKIT_API_SECRET": "s" * 40,
}
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: ${X}, ${X:-default}, ${X-default}, ${X:?error},
    ${X?error} and $$ for a literal dollar."""

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        given = env.get(name)
        unset = given is None or (given == "" and op in (":-", ":?"))
        if op in (":?", "?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and unset:
            return arg
        return given or ""

    return _VARIABLE.sub(value, text)


def test_compose_is_a_valid_compose_file_once_dot_env_is_filled_in() -> None:
    from compose_spec import PyCompose

    text = interpolate((REPO / "docker-compose.yml").read_text(), FILLED_ENV)
    # YAML merge keys (<<: *hardened) are resolved by the YAML loader, as compose does.
    parsed = PyCompose.from_json(json.dumps(yaml.safe_load(text)))
    assert {"livekit", "postgres", "redis", "migrate", "livekit_agent"} <= set(
        parsed.service_names()
    )


@pytest.mark.parametrize("missing", sorted(FILLED_ENV))
def test_compose_refuses_to_start_without_each_key_and_password(missing: str) -> None:
    env = {k: v for k, v in FILLED_ENV.items() if k != missing}
    with pytest.raises(MissingVariable, match=missing):
        interpolate((REPO / "docker-compose.yml").read_text(), env)


def test_no_default_credential_remains_in_compose() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    for variable in FILLED_ENV:
        for default in re.findall(r"\$\{" + variable + r"(:?-[^}]*)\}", text):
            pytest.fail(f"{variable} has a default ({default}) in docker-compose.yml")
    assert "devkey" not in text and "--dev" not in text


def test_published_ports_listen_on_localhost_unless_the_operator_opts_in() -> None:
    services = yaml.safe_load(interpolate((REPO / "docker-compose.yml").read_text(), FILLED_ENV))[
        "services"
    ]
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published and all(port.startswith("127.0.0.1:") for port in published)
    for private in ("postgres", "redis"):
        assert "ports" not in services[private]


def test_redis_needs_its_password_and_the_agents_use_it() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    services = yaml.safe_load(interpolate(text, FILLED_ENV))["services"]
    redis = services["redis"]
    assert "--requirepass" in " ".join(redis["command"])
    assert FILLED_ENV["REDIS_PASSWORD"] not in " ".join(redis["command"])  # not in `ps`
    agent_env = services["livekit_agent"]["environment"]
    assert agent_env["REDIS_URL"] == f"redis://:{FILLED_ENV['REDIS_PASSWORD']}@redis:6379/0"


def test_the_fitcoach_containers_are_hardened() -> None:
    services = yaml.safe_load(interpolate((REPO / "docker-compose.yml").read_text(), FILLED_ENV))[
        "services"
    ]
    for name in ("migrate", "livekit_agent"):
        service = services[name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
    for name in ("livekit", "postgres", "redis"):
        assert "no-new-privileges:true" in services[name]["security_opt"], name


def test_the_build_context_keeps_secrets_out_and_the_image_limits_malloc_arenas() -> None:
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and ".git" in ignored and "!.env.example" in ignored
    assert re.search(r"MALLOC_ARENA_MAX=2", (REPO / "Dockerfile.agent").read_text())
