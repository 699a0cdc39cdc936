"""A spoken apology when a provider fails for good, so the user is never left in silence.

livekit-agents reports a failing engine as the session's "error" event: `recoverable` is
true while it still retries, false once the turn is lost (with VOICE_PROVIDER_FALLBACK, only
after every engine behind the FallbackAdapter has failed). The framework closes a session
after more than three unrecoverable errors in a row from one engine and resets that count
whenever the agent speaks, so an apology per failed turn carries the session through an
LLM outage. A failed STT stream is recreated every half second and its count is reset only
by a transcript, so an STT outage gets one apology, and one that outlasts the framework's
tolerance ends the session. When the failed engine is the TTS nothing can be spoken: the
failure is logged and the session goes on until that same limit ends it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from livekit.agents import AgentSession, ErrorEvent, UserInputTranscribedEvent
from livekit.agents.voice import SpeechHandle

logger = logging.getLogger(__name__)

LLM_APOLOGY = "Sorry, I couldn't come up with an answer just now. Please ask me again in a moment."
STT_APOLOGY = "Sorry, I'm having trouble hearing you right now. Please say that again in a moment."
_ENGINES = {
    "llm_error": ("language model", LLM_APOLOGY),
    "realtime_model_error": ("language model", LLM_APOLOGY),
    "stt_error": ("speech-to-text", STT_APOLOGY),
    "tts_error": ("text-to-speech", None),
}


class ProviderApology:
    """Listens to one session's errors and apologises for the unrecoverable ones."""

    def __init__(
        self, session: AgentSession[Any], *, log_extra: Mapping[str, object] | None = None
    ) -> None:
        self._session = session
        self._extra = dict(log_extra or {})
        self._speaking: SpeechHandle | None = None
        self._deaf = False  # an STT outage is under way and has had its apology
        self.apologies = 0
        session.on("error", self._on_error)
        session.on("user_input_transcribed", self._on_transcript)

    def _on_transcript(self, event: UserInputTranscribedEvent) -> None:
        if event.transcript.strip():
            self._deaf = False  # the STT works again

    def _on_error(self, event: ErrorEvent) -> None:
        error = event.error
        if getattr(error, "recoverable", True):
            return  # the framework is still retrying
        engine, apology = _ENGINES.get(str(getattr(error, "type", "")), (None, None))
        if engine is None:
            return  # not a provider (the interruption detector falls back by itself)
        extra = {**self._extra, "engine": engine, "provider": str(getattr(error, "label", ""))}
        cause = _cause(getattr(error, "error", None))
        if apology is None:
            logger.error(
                "%s failed (%s): this reply could not be spoken, and neither can an apology",
                engine,
                cause,
                extra=extra,
            )
            return
        if self._speaking is not None and not self._speaking.done():
            # STT and LLM failing together, or the apology's own turn failing: say it once.
            logger.error("%s failed (%s): already apologising", engine, cause, extra=extra)
            return
        if engine == "speech-to-text":
            if self._deaf:
                logger.error("%s failed again (%s)", engine, cause, extra=extra)
                return
            self._deaf = True
        try:
            self._speaking = self._session.say(apology)
        except RuntimeError as exc:  # the session is closing or between agents
            logger.error(
                "%s failed (%s): could not apologise (%s)", engine, cause, exc, extra=extra
            )
            return
        self.apologies += 1
        logger.error("%s failed (%s): apologised to the user", engine, cause, extra=extra)


def _cause(error: object) -> str:
    """The failure's kind, never its message: provider messages can echo URLs and headers."""
    if error is None:
        return "unknown error"
    status = getattr(error, "status_code", None)
    name = type(error).__name__
    return f"{name} {status}" if isinstance(status, int) and status > 0 else name


def attach_apology(
    session: AgentSession[Any], *, log_extra: Mapping[str, object] | None = None
) -> ProviderApology:
    """Apologise aloud whenever one of `session`'s engines fails for good."""
    return ProviderApology(session, log_extra=log_extra)
