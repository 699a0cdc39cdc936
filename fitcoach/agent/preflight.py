"""Checks the worker makes before it loads anything heavy."""

from __future__ import annotations

from fitcoach.config import Settings
from fitcoach.errors import ConfigError


def check_livekit_settings(settings: Settings) -> None:
    """LIVEKIT_URL, key and secret are set and the URL is one LiveKit can serve.

    The framework itself logs an error and exits 0 without them; a deployment wants a
    non-zero exit and a line that says what to set.
    """
    missing = [
        name
        for name, value in (
            ("LIVEKIT_URL", settings.livekit_url),
            ("LIVEKIT_API_KEY", settings.livekit_api_key),
            ("LIVEKIT_API_SECRET", settings.livekit_api_secret),
        )
        if value is None
    ]
    if missing:
        raise ConfigError(f"fitcoach worker start needs {', '.join(missing)} (see .env.example)")
    assert settings.livekit_url is not None
    if not settings.livekit_url.startswith(("ws://", "wss://", "http://", "https://")):
        raise ConfigError("LIVEKIT_URL must start with ws://, wss://, http:// or https://")
    key, secret = settings.livekit_api_key, settings.livekit_api_secret
    assert key is not None and secret is not None
    if (key.get_secret_value(), secret.get_secret_value()) in _WELL_KNOWN_KEYS and not (
        settings.dev_mode
    ):
        # LiveKit's development pair is public: anyone who can reach the server can mint an
        # admin token with it and create rooms that name any user.
        raise ConfigError(
            "LIVEKIT_API_KEY/LIVEKIT_API_SECRET are LiveKit's public development pair; set "
            "your own keys, or FITCOACH_DEV=true for a local development server"
        )


_WELL_KNOWN_KEYS = {("devkey", "secret")}
