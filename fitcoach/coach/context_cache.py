"""A TTL cache of AgentContexts: in-process by default, shared through Redis when configured.

With Redis every worker process reads the same entries, and an invalidation (a plan changed,
a set was logged) deletes the entry and is published on a channel, so listeners in every
process hear it (an agent mid-session reloads its context then). An invalidation may name its
origin, so the session that caused it, which already knows what changed, can skip its echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from fitcoach.coach.context import AgentContext, load_agent_context
from fitcoach.errors import ConfigError

if TYPE_CHECKING:
    from fitcoach.config import Settings
    from fitcoach.store import Database

logger = logging.getLogger(__name__)

InvalidationListener = Callable[[uuid.UUID], Awaitable[None] | None]
# A listener and the origin whose invalidations it does not need to hear.
_Subscription = tuple[InvalidationListener, str | None]

# Versioned with AgentContext's shape, so an old entry is never read as a new one.
_KEY_PREFIX = "fitcoach:context:v2:"
_CHANNEL = "fitcoach:context:invalidated"


class ContextCache(Protocol):
    async def get(self, user_id: uuid.UUID) -> AgentContext | None: ...
    async def put(self, context: AgentContext) -> None: ...
    async def invalidate(self, user_id: uuid.UUID, *, origin: str | None = None) -> None: ...
    def add_listener(
        self, listener: InvalidationListener, *, ignore_origin: str | None = None
    ) -> None: ...
    async def close(self) -> None: ...


async def _notify(
    subscriptions: list[_Subscription], user_id: uuid.UUID, origin: str | None
) -> None:
    for listener, ignored_origin in subscriptions:
        if origin is not None and origin == ignored_origin:
            continue
        try:
            result = listener(user_id)
            if result is not None:
                await result
        except Exception:
            logger.exception(
                "context invalidation listener failed", extra={"user_id": str(user_id)}
            )


class MemoryContextCache:
    """One process's cache; entries live `ttl_seconds`."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[uuid.UUID, tuple[float, AgentContext]] = {}
        self._subscriptions: list[_Subscription] = []

    async def get(self, user_id: uuid.UUID) -> AgentContext | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        stored_at, context = entry
        if time.monotonic() - stored_at > self._ttl:
            del self._entries[user_id]
            return None
        return context

    async def put(self, context: AgentContext) -> None:
        if self._ttl > 0:
            self._entries[context.user_id] = (time.monotonic(), context)

    async def invalidate(self, user_id: uuid.UUID, *, origin: str | None = None) -> None:
        self._entries.pop(user_id, None)
        await _notify(self._subscriptions, user_id, origin)

    def add_listener(
        self, listener: InvalidationListener, *, ignore_origin: str | None = None
    ) -> None:
        self._subscriptions.append((listener, ignore_origin))

    async def close(self) -> None:
        self._entries.clear()


class RedisContextCache:
    """Entries in Redis (SET with EX), invalidations broadcast over pub/sub."""

    def __init__(self, url: str, ttl_seconds: int) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._ttl = ttl_seconds
        self._subscriptions: list[_Subscription] = []
        self._subscriber: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def get(self, user_id: uuid.UUID) -> AgentContext | None:
        try:
            raw = await self._redis.get(_KEY_PREFIX + str(user_id))
        except Exception as exc:
            # The cache is an optimisation: a Redis outage means a database read, not a failure.
            logger.warning("context cache read failed: %s", type(exc).__name__)
            return None
        if raw is None:
            return None
        try:
            return AgentContext.model_validate_json(raw)
        except ValueError:  # written by another version of fitcoach, or damaged: a miss
            logger.warning(
                "context cache entry unreadable; reloading", extra={"user_id": str(user_id)}
            )
            with contextlib.suppress(Exception):
                await self._redis.delete(_KEY_PREFIX + str(user_id))
            return None

    async def put(self, context: AgentContext) -> None:
        if self._ttl <= 0:
            return
        try:
            await self._redis.set(
                _KEY_PREFIX + str(context.user_id), context.model_dump_json(), ex=self._ttl
            )
        except Exception as exc:
            logger.warning("context cache write failed: %s", type(exc).__name__)

    async def invalidate(self, user_id: uuid.UUID, *, origin: str | None = None) -> None:
        message = str(user_id) if origin is None else f"{user_id} {origin}"
        try:
            await self._redis.delete(_KEY_PREFIX + str(user_id))
            await self._redis.publish(_CHANNEL, message)
        except Exception as exc:
            logger.warning("context cache invalidation failed: %s", type(exc).__name__)
            await _notify(self._subscriptions, user_id, origin)  # this process at least

    def add_listener(
        self, listener: InvalidationListener, *, ignore_origin: str | None = None
    ) -> None:
        self._subscriptions.append((listener, ignore_origin))
        if self._subscriber is None:
            self._subscriber = asyncio.get_running_loop().create_task(self._listen())

    async def wait_subscribed(self) -> None:
        """Until this process receives invalidations (a publish before that is not heard)."""
        await self._subscribed.wait()

    async def _listen(self) -> None:
        """Hear invalidations from every process; reconnect after a Redis outage."""
        backoff = 0.5
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(_CHANNEL)
                self._subscribed.set()
                backoff = 0.5
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    try:
                        user_part, _, origin = message["data"].decode().partition(" ")
                        user_id = uuid.UUID(user_part)
                    except (ValueError, AttributeError):
                        continue
                    await _notify(self._subscriptions, user_id, origin or None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("invalidation channel lost (%s); reconnecting", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(30.0, backoff * 2)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        if self._subscriber is not None:
            self._subscriber.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._subscriber
        await self._redis.aclose()


def context_cache_from_settings(settings: Settings) -> ContextCache:
    """Redis when REDIS_URL is set, else an in-process cache; TTL from VOICE_CONTEXT_CACHE_TTL."""
    ttl = settings.voice_context_cache_ttl
    if settings.redis_url is None:
        return MemoryContextCache(ttl)
    url = settings.redis_url.get_secret_value()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
    return RedisContextCache(url, ttl)


class ContextLoader:
    """Serves AgentContexts from the cache, loading from the database on a miss."""

    def __init__(self, database: Database, cache: ContextCache) -> None:
        self.database = database
        self.cache = cache

    async def load(self, user_id: uuid.UUID) -> AgentContext:
        from fitcoach.coach.progress import with_training_history

        cached = await self.cache.get(user_id)
        if cached is not None and cached.user_id != user_id:
            # Only a cache someone else wrote to can hand back another user's context: never
            # serve it, and say so.
            logger.error(
                "context cache entry for %s held another user's context; reloading", user_id
            )
            await self.cache.invalidate(user_id)
            cached = None
        if cached is not None and cached.is_current():
            return cached
        context = await with_training_history(
            self.database, await load_agent_context(self.database, user_id)
        )
        await self.cache.put(context)
        return context

    async def invalidate(self, user_id: uuid.UUID, *, origin: str | None = None) -> None:
        await self.cache.invalidate(user_id, origin=origin)
