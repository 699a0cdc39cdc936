"""The offline brain as a LiveKit LLM: the intent engine picks the agent's tool and its
arguments, and once the tool has answered, its output becomes the spoken reply.

It goes through the same AgentSession tool machinery as a cloud LLM: it emits real function
calls to get_todays_workout, get_todays_meals, log_workout_set and ask_specialist_agent.
Small talk gets a short answer; what it cannot understand, it asks to hear again.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

from livekit.agents import APIConnectionError, APIConnectOptions, llm
from livekit.agents.llm import ChatChunk, ChoiceDelta, FunctionToolCall
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, NotGivenOr

from fitcoach.agent.engines.prewarm import warm_in_background
from fitcoach.coach import IntentEngine, IntentResult, shared_intent_engine
from fitcoach.coach.exercises import is_bodyweight_movement
from fitcoach.coach.log_answers import is_log_question

NOT_UNDERSTOOD = "Sorry, I didn't catch that. Could you say it again?"
WHAT_I_DO = (
    "I can read you today's workout or meals, log your sets, and answer training, "
    "nutrition and supplement questions."
)
_GREETING = re.compile(r"\b(?:hi|hello|hey|morning|afternoon|evening|yo|howdy)\b")
_THANKS = re.compile(r"\b(?:thanks|thank you|cheers|appreciate it|nice one|great|awesome|cool)\b")
_GOODBYE = re.compile(r"\b(?:bye|goodbye|see you|later|that's all|done for today|good night)\b")
_SPECIALIST = {"ask_workout": "workout", "ask_diet": "diet", "ask_supplement": "supplement"}


def last_user_text(chat_ctx: llm.ChatContext) -> str | None:
    """What the user said last, or None before they have spoken."""
    for item in reversed(chat_ctx.items):
        if item.type == "message" and item.role == "user":
            return item.text_content or ""
    return None


def _pending_tool_outputs(chat_ctx: llm.ChatContext) -> list[str]:
    """Outputs of the tool calls made since the user last spoke (this turn's results)."""
    outputs: list[str] = []
    for item in reversed(chat_ctx.items):
        if item.type == "message" and item.role == "user":
            break
        if item.type == "function_call_output":
            outputs.append(str(item.output))
        if item.type == "message" and item.role == "assistant":
            break  # already answered
    return list(reversed(outputs))


def _said_this_turn(chat_ctx: llm.ChatContext) -> list[str]:
    """What the assistant has said since the user last spoke."""
    said: list[str] = []
    for item in reversed(chat_ctx.items):
        if item.type == "message" and item.role == "user":
            break
        if item.type == "message" and item.role == "assistant" and item.text_content:
            said.append(item.text_content)
    return said


def _previous_set(chat_ctx: llm.ChatContext) -> dict[str, Any]:
    """The arguments of the last set logged in this conversation ("another set of eight")."""
    for item in reversed(chat_ctx.items):
        if item.type == "function_call" and item.name == "log_workout_set":
            try:
                arguments: dict[str, Any] = json.loads(item.arguments)
                return arguments
            except json.JSONDecodeError:
                return {}
    return {}


def plan_reply(result: IntentResult, chat_ctx: llm.ChatContext) -> str | list[FunctionToolCall]:
    """What to do for one user utterance: tool calls to make, or words to say."""
    call_id = f"call_{uuid.uuid4().hex[:12]}"
    if is_log_question(result.text):
        # "Did I beat my bench record?" reads to the intent engine like a set to log, and
        # "what did I do last Monday?" like today's workout: only the log answers them.
        arguments = {"query": result.text, "specialist": "workout"}
        return [
            FunctionToolCall(
                name="ask_specialist_agent", arguments=json.dumps(arguments), call_id=call_id
            )
        ]
    if not result.understood:
        return NOT_UNDERSTOOD
    if result.intent == "get_workout":
        return [FunctionToolCall(name="get_todays_workout", arguments="{}", call_id=call_id)]
    if result.intent == "get_meals":
        return [FunctionToolCall(name="get_todays_meals", arguments="{}", call_id=call_id)]
    if result.intent in _SPECIALIST:
        arguments = {"query": result.text, "specialist": _SPECIALIST[result.intent]}
        return [
            FunctionToolCall(
                name="ask_specialist_agent", arguments=json.dumps(arguments), call_id=call_id
            )
        ]
    if result.intent == "log_set":
        return _log_call(result, chat_ctx, call_id)
    text = result.text.lower()
    if _GOODBYE.search(text):
        return "Bye for now, great work today."
    if _THANKS.search(text):
        return "You're welcome. Anything else?"
    if _GREETING.search(text):
        return "Hi! What can I do for you?"
    return WHAT_I_DO


# Only these words make a set without an exercise name "the same exercise as before".
_CONTINUATION = re.compile(r"\b(?:another|one more|same|again|more|next set|last set)\b")


def _log_call(
    result: IntentResult, chat_ctx: llm.ChatContext, call_id: str
) -> str | list[FunctionToolCall]:
    slots = result.slots
    previous = _previous_set(chat_ctx)
    continuing = bool(_CONTINUATION.search(result.text.lower()))
    # An exercise the engine could not name is asked for, never guessed from the last set.
    exercise = slots.exercise or (previous.get("exercise") if continuing else None)
    if exercise is None:
        return "Which exercise was that?"
    same_exercise = previous.get("exercise") == exercise
    reps = (
        slots.reps if slots.reps is not None else (previous.get("reps") if same_exercise else None)
    )
    if reps is None:
        return f"How many reps of {exercise} did you do?"
    weight = slots.weight
    unit = slots.unit
    if weight is None:
        if is_bodyweight_movement(exercise):
            weight = 0.0
        elif same_exercise and "weight" in previous:
            weight, unit = previous["weight"], previous.get("unit")
        else:
            return f"What weight did you use for the {exercise}?"
    arguments: dict[str, Any] = {
        "exercise": exercise,
        "reps": reps,
        "weight": weight,
        "sets": slots.sets or 1,
    }
    if unit:
        arguments["unit"] = unit
    return [
        FunctionToolCall(name="log_workout_set", arguments=json.dumps(arguments), call_id=call_id)
    ]


class IntentLLM(llm.LLM):  # type: ignore[type-arg]
    """The offline intent engine as a LiveKit LLM that calls the agent's tools.

    Its reply after a tool call is the tool's output, word for word, so an agent may speak a
    read-only tool's answer ahead of the call (`speaks_tool_output_verbatim`).

    Args:
        engine: an IntentEngine (tests inject one); default: the process's shared engine.
    """

    speaks_tool_output_verbatim = True

    def __init__(self, *, engine: IntentEngine | None = None) -> None:
        super().__init__()
        self._engine = engine

    @classmethod
    def load(cls) -> IntentLLM:
        """Load the embedding model and embed the prototypes now (blocking, seconds on a cold
        process), so the first turn does not."""
        return cls(engine=shared_intent_engine())

    @property
    def model(self) -> str:
        return "fitcoach-intent-engine"

    @property
    def provider(self) -> str:
        return "fitcoach"

    def prewarm(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if self._engine is None:
            warm_in_background(shared_intent_engine, engine="intent engine")

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[Any] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[Any] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        return _IntentStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)

    async def decide(self, chat_ctx: llm.ChatContext) -> str | list[FunctionToolCall]:
        outputs = _pending_tool_outputs(chat_ctx)
        if outputs:
            reply = " ".join(outputs)  # the tools already speak in full sentences
            # The agent said it ahead of the call (a tool that only reads): nothing to add.
            return "" if reply in _said_this_turn(chat_ctx) else reply
        text = last_user_text(chat_ctx)
        if text is None:
            return ""
        try:
            if self._engine is None:
                self._engine = await asyncio.to_thread(shared_intent_engine)
            result = await asyncio.to_thread(self._engine.classify, text)
        except Exception as exc:
            # As a cloud LLM's failure: retries, fallback and the spoken apology apply.
            raise APIConnectionError(
                f"the intent engine failed ({type(exc).__name__})", retryable=False
            ) from exc
        return plan_reply(result, chat_ctx)


class _IntentStream(llm.LLMStream):
    def __init__(
        self,
        owner: IntentLLM,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[Any],
        conn_options: APIConnectOptions,
    ) -> None:
        super().__init__(owner, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._owner = owner

    async def _run(self) -> None:
        decision = await self._owner.decide(self.chat_ctx)
        request = f"intent-{uuid.uuid4().hex[:8]}"
        if isinstance(decision, str):
            delta = ChoiceDelta(role="assistant", content=decision)
        else:
            delta = ChoiceDelta(role="assistant", tool_calls=decision)
        self._event_ch.send_nowait(ChatChunk(id=request, delta=delta))
