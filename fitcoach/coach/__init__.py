"""The voice-free coaching brain: user context, coaching maths, knowledge, intents and the
specialist orchestrator. Nothing here imports livekit.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fitcoach.coach.context import AgentContext, LoggedSet, load_agent_context, with_logged_sets
    from fitcoach.coach.context_cache import (
        ContextCache,
        ContextLoader,
        MemoryContextCache,
        RedisContextCache,
        context_cache_from_settings,
    )
    from fitcoach.coach.intents import INTENTS, IntentEngine, IntentResult, shared_intent_engine
    from fitcoach.coach.knowledge import KnowledgeBase, shared_knowledge_base
    from fitcoach.coach.orchestrator import (
        AgentOrchestrator,
        SpecialistResponse,
        SpecialistUnavailable,
    )
    from fitcoach.coach.slots import SetSlots, parse_set_slots
    from fitcoach.coach.specialists import SPECIALISTS

# Where each public name lives. Loaded on first use, so `from fitcoach.coach.embeddings
# import ...` does not import the orchestrator and everything behind it.
_HOME = {
    "AgentContext": "context",
    "LoggedSet": "context",
    "load_agent_context": "context",
    "with_logged_sets": "context",
    "ContextCache": "context_cache",
    "ContextLoader": "context_cache",
    "MemoryContextCache": "context_cache",
    "RedisContextCache": "context_cache",
    "context_cache_from_settings": "context_cache",
    "INTENTS": "intents",
    "IntentEngine": "intents",
    "IntentResult": "intents",
    "shared_intent_engine": "intents",
    "KnowledgeBase": "knowledge",
    "shared_knowledge_base": "knowledge",
    "AgentOrchestrator": "orchestrator",
    "SpecialistResponse": "orchestrator",
    "SpecialistUnavailable": "orchestrator",
    "SetSlots": "slots",
    "parse_set_slots": "slots",
    "SPECIALISTS": "specialists",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'fitcoach.coach' has no attribute {name!r}")
    value = getattr(import_module(f"fitcoach.coach.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "INTENTS",
    "SPECIALISTS",
    "AgentContext",
    "AgentOrchestrator",
    "ContextCache",
    "ContextLoader",
    "IntentEngine",
    "IntentResult",
    "KnowledgeBase",
    "LoggedSet",
    "MemoryContextCache",
    "RedisContextCache",
    "SetSlots",
    "SpecialistResponse",
    "SpecialistUnavailable",
    "context_cache_from_settings",
    "load_agent_context",
    "parse_set_slots",
    "shared_intent_engine",
    "shared_knowledge_base",
    "with_logged_sets",
]
