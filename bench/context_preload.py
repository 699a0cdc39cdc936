"""Context pre-load at job start: a user's whole AgentContext from Postgres (four queries),
with `fitcoach seed --users N` worth of users in the database and no cache in front."""

from __future__ import annotations

import random
import time
from typing import Any

from bench._figures import summary


async def measure(database_url: str, *, quick: bool) -> dict[str, Any]:
    from fitcoach.coach.context import load_agent_context
    from fitcoach.config import Settings
    from fitcoach.store import open_database, seed, upgrade, user_id_for
    from fitcoach.store.seed import synthetic_users

    users = 100 if quick else 1000
    database = open_database(Settings(database_url=database_url))  # type: ignore[call-arg]
    try:
        await upgrade(database)
        started = time.perf_counter()
        await seed(database, synthetic=users)
        seed_s = time.perf_counter() - started
        ids = [user_id_for(person.name) for person in synthetic_users(users)]
        chosen = random.Random(7).choices(ids, k=50 if quick else 500)
        await load_agent_context(database, chosen[0])  # connection pool warm, as in a worker
        seconds = []
        for user_id in chosen:
            started = time.perf_counter()
            await load_agent_context(database, user_id)
            seconds.append(time.perf_counter() - started)
    finally:
        await database.dispose()
    return {
        "users": users,
        "seed_s": round(seed_s, 1),
        "load_ms": summary([s * 1000 for s in seconds], digits=2),
    }
