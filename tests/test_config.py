"""Settings: defaults, the documented example file, and secrets that never show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fitcoach.config import (
    Settings,
    default_data_dir,
    describe_settings,
    load_settings,
    mask_url,
    redact,
)
from fitcoach.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_defaults_are_local_first(isolated_environment: Path) -> None:
    settings = load_settings()
    assert (
        settings.voice_stt_provider,
        settings.voice_tts_provider,
        settings.voice_llm_provider,
    ) == (
        "local",
        "local",
        "local",
    )
    assert settings.voice_context_cache_ttl == 3600
    assert settings.voice_max_response_tokens == 150
    assert settings.database_url is None
    assert settings.default_sqlite_path == isolated_environment / "fitcoach.db"


def test_env_example_documents_every_setting_with_its_default() -> None:
    documented = dict(
        re.match(r"([A-Z_]+)=(.*)", line).groups()  # type: ignore[union-attr]
        for line in (REPO / ".env.example").read_text().splitlines()
        if re.match(r"[A-Z_]+=", line)
    )
    shown = dict(describe_settings(load_settings(data_dir="/unused")))
    assert set(documented) == set(shown)
    for name, value in documented.items():
        if value:
            expected = shown[name].lower()
            assert value.lower() == expected, name


def test_example_file_loads_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FITCOACH_DATA_DIR")
    settings = Settings(_env_file=REPO / ".env.example")  # type: ignore[call-arg]
    assert settings.openai_api_key is None and settings.database_url is None
    assert settings.data_dir == default_data_dir()  # an empty value is the default, not "."


def test_bad_values_fail_with_the_variable_name_and_not_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(cartesia_speed="9000", voice_max_response_tokens="lots")
    message = str(caught.value)
    assert "CARTESIA_SPEED" in message and "VOICE_MAX_RESPONSE_TOKENS" in message
    assert "9000" not in message and "lots" not in message


def test_secrets_are_hidden_from_repr_and_redacted_from_text() -> None:
    settings = load_settings(
        openai_api_key="sk-very-secret-1",
        database_url="postgresql://u:pg-pass-2@h/db",
    )
    assert "sk-very-secret-1" not in repr(settings)
    text = "failed with sk-very-secret-1 at postgresql://u:pg-pass-2@h/db and pg-pass-2"
    cleaned = redact(text, settings)
    assert "sk-very-secret-1" not in cleaned and "pg-pass-2" not in cleaned


def test_mask_url() -> None:
    assert mask_url("postgresql://u:p4ss@host:5432/db") == "postgresql://u:***@host:5432/db"
    assert mask_url("redis://localhost:6379/0") == "redis://localhost:6379/0"
