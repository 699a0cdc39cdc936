"""The provider table is the one place providers are declared: every row has what the
session builder, the worker's checks, the orchestrator and the settings need from it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import SecretStr

from fitcoach.agent.providers import CLOUD_BUILDERS, check_providers, register_plugins
from fitcoach.coach.providers import CHAT_MODEL_BUILDERS
from fitcoach.config import Settings, describe_settings, load_settings, redact, secret_fields
from fitcoach.errors import ConfigError
from fitcoach.providers import LOCAL, PROVIDERS, find_provider, provider_names

REPO = Path(__file__).resolve().parents[1]
CLOUD = [p for p in PROVIDERS if p.name != LOCAL]


def test_every_kind_has_the_local_engine_first() -> None:
    for kind in ("stt", "tts", "llm"):
        assert provider_names(kind)[0] == LOCAL  # type: ignore[arg-type]


@pytest.mark.parametrize("provider", CLOUD, ids=lambda p: f"{p.kind}:{p.name}")
def test_every_cloud_provider_has_its_builders_extra_and_key(provider: object) -> None:
    from fitcoach.providers import Provider

    assert isinstance(provider, Provider)
    assert (provider.kind, provider.name) in CLOUD_BUILDERS
    if provider.kind == "llm":
        assert provider.name in CHAT_MODEL_BUILDERS and provider.langchain_module
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert provider.extra in extras
    assert provider.key_setting is not None
    field = Settings.model_fields[provider.key_setting]
    assert field.annotation == SecretStr | None


def test_no_builder_is_left_without_a_row() -> None:
    rows = {(p.kind, p.name) for p in CLOUD}
    assert set(CLOUD_BUILDERS) == rows
    assert set(CHAT_MODEL_BUILDERS) == {name for kind, name in rows if kind == "llm"}


def test_settings_accept_exactly_the_table_names() -> None:
    for provider in PROVIDERS:
        field = f"voice_{provider.kind}_provider"
        assert getattr(load_settings(**{field: provider.name}), field) == provider.name
    with pytest.raises(ConfigError, match="VOICE_TTS_PROVIDER: Input should be 'local' or"):
        load_settings(voice_tts_provider="elevenlabs")
    with pytest.raises(ConfigError, match="unknown speech-to-text provider 'whisperx'"):
        find_provider("stt", "whisperx")


def test_a_local_session_registers_no_cloud_plugin_and_checks_clean() -> None:
    settings = load_settings()
    register_plugins(settings)
    check_providers(settings)


def test_every_secret_is_masked_in_fitcoach_config_and_redacted_from_errors() -> None:
    values = {name: f"secret-{name}-do-not-print" for name in secret_fields()}
    values["database_url"] = "postgresql://u:pw-do-not-print@127.0.0.1/db"
    values["redis_url"] = "redis://:redis-pw-do-not-print@127.0.0.1:6379/0"
    settings = load_settings(**values)
    shown = " ".join(value for _, value in describe_settings(settings))
    assert "do-not-print" not in shown
    line = "failed: " + " ".join(values.values())
    assert "do-not-print" not in redact(line, settings)
    # Secrets are found from the annotations: every SecretStr field, and nothing else.
    declared = {name for name, f in Settings.model_fields.items() if "SecretStr" in repr(f)}
    assert set(secret_fields()) == declared


def test_the_readme_configuration_table_names_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    settings = {name for name, _ in describe_settings(load_settings(data_dir="/unused"))}
    assert settings <= documented, sorted(settings - documented)
