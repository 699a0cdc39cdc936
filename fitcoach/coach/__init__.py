"""The voice-free coaching brain: user context, coaching maths, knowledge, intents and the
specialist orchestrator. Nothing here imports livekit.
"""

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
