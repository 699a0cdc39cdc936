"""One Settings object, read from the environment and a `.env` file in the working directory.

Variable names follow the seed design (`DATABASE_URL`, `VOICE_LLM_PROVIDER`, ...). Anything
that can carry a credential is a `SecretStr`, so it never shows up in a repr, a log line or
`fitcoach config`; code that needs the value calls `.get_secret_value()` at the point of use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

import platformdirs
from pydantic import AfterValidator, AliasChoices, Field, SecretStr, ValidationError
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from fitcoach.errors import ConfigError
from fitcoach.providers import Kind, provider_names

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


def _one_of(kind: Kind) -> AfterValidator:
    def check(name: str) -> str:
        names = provider_names(kind)
        if name not in names:
            choices = ", ".join(repr(n) for n in names[:-1]) + f" or {names[-1]!r}"
            raise PydanticCustomError("provider", f"Input should be {choices}")
        return name

    return AfterValidator(check)


# Provider names are whatever fitcoach/providers.py lists for each kind.
STTProvider = Annotated[str, _one_of("stt")]
TTSProvider = Annotated[str, _one_of("tts")]
LLMProvider = Annotated[str, _one_of("llm")]


def default_data_dir() -> Path:
    """Per-user data directory (e.g. ~/.local/share/fitcoach on Linux)."""
    return platformdirs.user_data_path("fitcoach", appauthor=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # `.env.example` ships empty assignments (OPENAI_API_KEY=): those mean "not set".
        env_ignore_empty=True,
        validate_default=True,
    )

    # Where local state lives: the default SQLite database and the logbook journal.
    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias=AliasChoices("FITCOACH_DATA_DIR", "data_dir"),
    )
    log_level: LogLevel = Field(
        default="INFO", validation_alias=AliasChoices("FITCOACH_LOG_LEVEL", "log_level")
    )

    # The worker's health endpoint (GET / answers 200 while the worker is healthy).
    health_port: int = Field(
        default=8081,
        ge=0,
        le=65535,
        validation_alias=AliasChoices("FITCOACH_HEALTH_PORT", "health_port"),
    )

    # The logbook journal refuses new sets past this size (a database down for days must not
    # fill the disk; at about 250 bytes a set, 256 MB is a million sets) and warns at 80%.
    journal_max_mb: int = Field(
        default=256,
        ge=1,
        le=1_000_000,
        validation_alias=AliasChoices("FITCOACH_JOURNAL_MAX_MB", "journal_max_mb"),
    )

    # On SIGTERM the worker lets running sessions finish for up to this many seconds, then
    # closes them (each session's logbook still delivers before the process exits).
    drain_timeout: int = Field(
        default=120,
        ge=0,
        le=86_400,
        validation_alias=AliasChoices("FITCOACH_DRAIN_TIMEOUT", "drain_timeout"),
    )

    # Unset: SQLite at <data_dir>/fitcoach.db. A URL may hold a password, hence SecretStr.
    database_url: SecretStr | None = None
    redis_url: SecretStr | None = None

    livekit_url: str | None = None
    livekit_api_key: SecretStr | None = None
    livekit_api_secret: SecretStr | None = None
    # The name the worker registers under: LiveKit sends it only the rooms a backend
    # dispatches to that name (a token's room configuration, or the dispatch API).
    agent_name: str = Field(
        default="fitcoach",
        min_length=1,
        max_length=100,
        validation_alias=AliasChoices("FITCOACH_AGENT_NAME", "agent_name"),
    )
    # Join every new room without being dispatched: for development only, since then any
    # room anyone creates gets a coach.
    auto_dispatch: bool = Field(
        default=False, validation_alias=AliasChoices("FITCOACH_AUTO_DISPATCH", "auto_dispatch")
    )
    # Shared with the backend: room metadata may name a user only when signed with it.
    metadata_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("FITCOACH_METADATA_SECRET", "metadata_secret")
    )
    # How long a job waits for the participant its session is for before it gives up.
    participant_timeout: int = Field(
        default=120,
        ge=1,
        le=3600,
        validation_alias=AliasChoices("FITCOACH_PARTICIPANT_TIMEOUT", "participant_timeout"),
    )
    # Allows LiveKit's well-known development keys (devkey/secret); never on a server.
    dev_mode: bool = Field(default=False, validation_alias=AliasChoices("FITCOACH_DEV", "dev_mode"))
    # Voice sessions one worker serves at once before it tells LiveKit it is full (unset:
    # one per CPU core with the local engines; cloud engines leave the CPU to the VAD).
    max_sessions: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        validation_alias=AliasChoices("FITCOACH_MAX_SESSIONS", "max_sessions"),
    )
    # The load (sessions over max_sessions, or CPU use, whichever is higher) at which the
    # worker stops accepting rooms.
    load_threshold: float = Field(
        default=0.95,
        gt=0,
        le=1,
        validation_alias=AliasChoices("FITCOACH_LOAD_THRESHOLD", "load_threshold"),
    )

    deepgram_api_key: SecretStr | None = None
    cartesia_api_key: SecretStr | None = None
    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    google_api_key: SecretStr | None = None

    voice_stt_provider: STTProvider = "local"
    voice_tts_provider: TTSProvider = "local"
    voice_llm_provider: LLMProvider = "local"
    # None picks the provider's default model (e.g. gpt-4o for openai).
    voice_llm_model: str | None = None
    # For openai_compatible: Ollama, llama.cpp server, vLLM, ...
    voice_llm_base_url: str | None = None
    # The key for VOICE_LLM_BASE_URL's server (most local servers need none). It is its own
    # setting so that OPENAI_API_KEY is never sent to another host.
    voice_llm_api_key: SecretStr | None = None
    # The specialists behind ask_specialist_agent; unset: the same as VOICE_LLM_PROVIDER.
    orchestrator_llm_provider: LLMProvider | None = None
    orchestrator_llm_model: str | None = None
    # Wrap cloud STT/TTS/LLM in a fallback chain that ends in the local engine.
    voice_provider_fallback: bool = True

    deepgram_model: str = "nova-3"
    cartesia_model: str = "sonic-3"
    # A Cartesia voice UUID (the plugin's default voice).
    cartesia_voice: str = "f786b574-daa5-4673-aa0c-cbe3e8534c02"
    cartesia_speed: float = Field(default=1.0, ge=0.6, le=2.0)

    voice_context_cache_ttl: int = Field(default=3600, ge=0)
    voice_max_response_tokens: int = Field(default=150, ge=1, le=4096)

    @property
    def default_sqlite_path(self) -> Path:
        return self.data_dir / "fitcoach.db"


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value becomes one `ConfigError` line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            problems.append(f"{name}: {error['msg']}")
        raise ConfigError("invalid setting " + "; ".join(problems)) from None


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, for display."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def describe_settings(settings: Settings) -> list[tuple[str, str]]:
    """(VARIABLE, shown value) for every setting, secrets reduced to set/not set."""
    rows: list[tuple[str, str]] = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env_name = alias.choices[0] if isinstance(alias, AliasChoices) else name.upper()
        value = getattr(settings, name)
        shown: str
        if name in ("database_url", "redis_url"):
            shown = mask_url(value.get_secret_value()) if value is not None else "(not set)"
        elif isinstance(value, SecretStr):
            shown = "set (hidden)"
        elif value is None:
            shown = "(not set)"
        else:
            shown = str(value)
        rows.append((str(env_name), shown))
    return rows


def secret_fields() -> tuple[str, ...]:
    """Every setting declared as a SecretStr: what is never shown and always redacted."""
    return tuple(
        name
        for name, field in Settings.model_fields.items()
        if field.annotation is not None and SecretStr in _type_parts(field.annotation)
    )


def _type_parts(annotation: object) -> tuple[object, ...]:
    return (annotation, *getattr(annotation, "__args__", ()))


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, including passwords inside URLs."""
    secrets: list[str] = []
    for name in secret_fields():
        value = getattr(settings, name)
        if value is None:
            continue
        raw = value.get_secret_value()
        if name.endswith("_url"):
            try:
                password = urlsplit(raw).password
            except ValueError:
                password = None
            if password:
                secrets.append(password)
        secrets.append(raw)
    # Longest first, so a URL is replaced whole before its password is.
    return sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)


def redact(text: str, settings: Settings) -> str:
    """`text` with every configured secret replaced by ***."""
    for secret in secret_values(settings):
        text = text.replace(secret, "***")
    return text
