"""`fitcoach replay`: recorded speech through the real agent, offline, one file per user turn.

Each file is played into the AgentSession through a real-time paced microphone; the agent's
reply is captured; the next file plays once the reply has finished. Per turn the report keeps
the transcript, the tool calls and their outputs, the sets actually written to the database,
the reply and its latencies (the framework's per-turn metrics, plus mouth-to-ear measured
here: last voiced input sample to the first audible sample of the reply).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fitcoach.agent.coach_session import (
    CoachSession,
    LocalAudio,
    SessionFactory,
    coach_session,
)
from fitcoach.agent.session_builder import Engines
from fitcoach.agent.turn_profile import TUNED, TurnProfile
from fitcoach.config import Settings
from fitcoach.runner.audio_files import AudioFileError, SpeechClip, load_clip, write_wav
from fitcoach.runner.audio_io import CapturedReply, CapturingSpeaker, ReplayMicrophone
from fitcoach.stats import percentile
from fitcoach.store import list_session_sets

logger = logging.getLogger(__name__)

# After a clip ends, a turn that has not begun within this long is not coming (silence, noise).
QUIET_AFTER_CLIP_S = 4.0
TURN_TIMEOUT_S = 45.0
LATENCY_KEYS = ("e2e", "mouth_to_ear", "end_of_turn", "transcription", "llm_ttft", "tts_ttfb")


@dataclass
class ToolCallRecord:
    name: str
    arguments: dict[str, Any]
    output: str


@dataclass
class TurnRecord:
    file: str
    transcript: str | None = None
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    logged: list[dict[str, Any]] = field(default_factory=list)
    reply: str | None = None
    latency: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(LATENCY_KEYS))
    error: str | None = None
    audio: CapturedReply | None = field(default=None, repr=False)

    @property
    def action(self) -> str:
        return self.tool_calls[0].name if self.tool_calls else "none"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("audio")
        return data


@dataclass
class ReplayReport:
    user: dict[str, str]
    engines: dict[str, str]
    turns: list[TurnRecord]

    def summary(self) -> dict[str, Any]:
        e2e = [t.latency["e2e"] for t in self.turns if t.latency["e2e"] is not None]
        m2e = [
            t.latency["mouth_to_ear"] for t in self.turns if t.latency["mouth_to_ear"] is not None
        ]
        return {
            "turns": len(self.turns),
            "e2e_p50": _rounded(percentile(e2e, 50)),
            "e2e_p95": _rounded(percentile(e2e, 95)),
            "mouth_to_ear_p50": _rounded(percentile(m2e, 50)),
            "mouth_to_ear_p95": _rounded(percentile(m2e, 95)),
            "errors": sum(1 for t in self.turns if t.error),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "engines": self.engines,
            "turns": [turn.to_json() for turn in self.turns],
            "summary": self.summary(),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _engine_name(engine: Any) -> str:
    provider = getattr(engine, "provider", "") or ""
    model = getattr(engine, "model", "") or type(engine).__name__
    return f"{provider}:{model}" if provider else str(model)


class _Conversation:
    """Collects what the session says and does, turn by turn."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.items: list[Any] = []
        self.tool_runs: list[Any] = []
        self.changed = asyncio.Event()
        session.on("conversation_item_added", self._item)
        session.on("function_tools_executed", self._tools)
        session.on("agent_state_changed", lambda _: self.changed.set())
        session.on("user_state_changed", lambda _: self.changed.set())

    def _item(self, event: Any) -> None:
        if getattr(event.item, "type", None) == "message":
            self.items.append(event.item)
        self.changed.set()

    def _tools(self, event: Any) -> None:
        self.tool_runs.append(event)
        self.changed.set()

    @property
    def idle(self) -> bool:
        listening: bool = self.session.agent_state == "listening"
        return listening and self.session.user_state != "speaking"

    async def next_change(self, within_s: float) -> None:
        """Until something happens in the session, or `within_s` passes."""
        self.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), within_s)


async def _await_greeting(
    conversation: _Conversation, speaker: CapturingSpeaker, *, within_s: float
) -> None:
    """Until the agent has said hello and gone quiet, so the greeting is not in turn one."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        greeted = any(item.role == "assistant" for item in conversation.items)
        if greeted and conversation.idle:
            break
        await conversation.next_change(0.2)
    speaker.take()


async def _play_turn(
    clip: SpeechClip,
    turn: TurnRecord,
    microphone: ReplayMicrophone,
    speaker: CapturingSpeaker,
    conversation: _Conversation,
) -> None:
    first_item = len(conversation.items)
    first_tools = len(conversation.tool_runs)
    speaker.take()
    voiced_done, clip_done = microphone.play(clip)
    await clip_done
    quiet_until = time.monotonic() + QUIET_AFTER_CLIP_S
    deadline = time.monotonic() + TURN_TIMEOUT_S
    while time.monotonic() < deadline:
        new_items = conversation.items[first_item:]
        user = next((i for i in new_items if i.role == "user"), None)
        answered = user is not None and any(
            i.role == "assistant" for i in new_items[new_items.index(user) + 1 :]
        )
        if answered and conversation.idle:
            break
        if user is None and conversation.idle and time.monotonic() > quiet_until:
            break  # no turn: silence, noise, or speech the STT heard as nothing
        await conversation.next_change(0.25)
    else:
        turn.error = f"no reply within {TURN_TIMEOUT_S:.0f} s"

    new_items = conversation.items[first_item:]
    users = [i for i in new_items if i.role == "user"]
    assistants = [i for i in new_items if i.role == "assistant"]
    if users:
        turn.transcript = " ".join(u.text_content or "" for u in users).strip()
        metrics = users[0].metrics or {}
        turn.latency["end_of_turn"] = metrics.get("end_of_turn_delay")
        turn.latency["transcription"] = metrics.get("transcription_delay")
    if assistants:
        turn.reply = " ".join(a.text_content or "" for a in assistants).strip()
        metrics = assistants[0].metrics or {}
        turn.latency["e2e"] = metrics.get("e2e_latency")
        turn.latency["llm_ttft"] = metrics.get("llm_node_ttft")
        turn.latency["tts_ttfb"] = metrics.get("tts_node_ttfb")
    for run in conversation.tool_runs[first_tools:]:
        for call, output in run.zipped():
            try:
                arguments = json.loads(call.arguments or "{}")
            except json.JSONDecodeError:
                arguments = {"raw": call.arguments}
            turn.tool_calls.append(
                ToolCallRecord(
                    name=call.name, arguments=arguments, output=str(output.output) if output else ""
                )
            )
    audio = speaker.take()
    turn.audio = audio
    if audio.first_audible_at is not None and voiced_done.done() and assistants:
        turn.latency["mouth_to_ear"] = round(audio.first_audible_at - voiced_done.result(), 4)


async def _written_sets(running: CoachSession, seen: set[Any]) -> list[dict[str, Any]]:
    """Sets of this session that reached the database since the last call."""
    agent = running.agent
    assert agent is not None
    await agent.logbook.wait_until_delivered(within_s=10)
    async with running.database.session() as session:
        rows = await list_session_sets(session=session, session_id=agent.session_id)
    fresh = [row for row in rows if row.id not in seen]
    seen.update(row.id for row in fresh)
    return [
        {"exercise": r.exercise, "reps": r.reps, "weight_kg": round(r.weight_kg, 3)} for r in fresh
    ]


ProgressHook = Callable[[str, int, int], None]


async def replay(
    paths: list[Path],
    *,
    settings: Settings,
    user_ref: str = "demo",
    agent_type: str = "general",
    progress: ProgressHook | None = None,
    profile: TurnProfile = TUNED,
    engines: Engines | Callable[[], Engines] | None = None,
    session_factory: SessionFactory | None = None,
) -> ReplayReport:
    """Play `paths` in order through one session; returns the report (audio kept per turn).

    `engines` are the engines already loaded for `profile` (as a worker's prewarm has them),
    or a function that loads them; by default they are loaded for `profile`.
    `session_factory` builds the AgentSession (by default a voice session from the settings)."""
    notify = progress or (lambda stage, done, total: None)
    notify("loading engines", 0, len(paths))
    if engines is None:

        def engines() -> Engines:
            return Engines.load(settings, profile=profile)

    microphone, speaker = ReplayMicrophone(), CapturingSpeaker()
    turns: list[TurnRecord] = []
    async with coach_session(
        settings,
        user=user_ref,
        agent_type=agent_type,
        engines=engines,
        io=LocalAudio(microphone, speaker),
        session_factory=session_factory,
        create_demo_user=True,
    ) as running:
        session = running.session
        assert session is not None
        conversation = _Conversation(session)
        await _await_greeting(conversation, speaker, within_s=30)
        seen: set[Any] = set()
        for index, path in enumerate(paths):
            notify(f"playing {path.name}", index, len(paths))
            turn = TurnRecord(file=str(path))
            turns.append(turn)
            try:
                clip = await asyncio.to_thread(load_clip, path)
            except AudioFileError as exc:
                turn.error = str(exc)
                continue
            await _play_turn(clip, turn, microphone, speaker, conversation)
            turn.logged = await _written_sets(running, seen)
        notify("done", len(paths), len(paths))
        engines_used = {
            "stt": _engine_name(getattr(session.stt, "wrapped_stt", None) or session.stt),
            "llm": _engine_name(session.llm),
            "tts": _engine_name(session.tts),
        }
        return ReplayReport(
            user={"id": str(running.user_id), "name": running.user_name},
            engines=engines_used,
            turns=turns,
        )


def write_reply_audio(report: ReplayReport, out_dir: Path) -> list[Path]:
    """One WAV per turn with the agent's reply (turns without audio are skipped)."""
    written = []
    for index, turn in enumerate(report.turns, start=1):
        audio = turn.audio
        if audio is None or not audio.pcm or audio.sample_rate is None:
            continue
        target = out_dir / f"{index:02d}_{Path(turn.file).stem}_reply.wav"
        write_wav(target, bytes(audio.pcm), audio.sample_rate)
        written.append(target)
    return written
