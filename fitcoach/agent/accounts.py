"""Deleting a user everywhere this machine keeps their data: the database and the journal.

The database delete takes their profile, plans and logged sets (the foreign keys cascade).
Sets of theirs still waiting in the local logbook journal could never be delivered after
that, so they are set aside with a reason instead of being retried for ever. Journals on
other machines (worker replicas) set theirs aside on their own, when the database refuses
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from fitcoach.agent.logbook import Journal, journal_path_for
from fitcoach.coach.profiles import announce_change
from fitcoach.config import Settings
from fitcoach.store import open_migrated_database, resolve_user
from fitcoach.store.profiles import delete_user as delete_user_rows

DELETED_REASON = "user deleted"


@dataclass(frozen=True)
class DeletedUser:
    name: str
    logged_sets: int
    set_aside: int


async def delete_user(settings: Settings, user_ref: str) -> DeletedUser:
    database = await open_migrated_database(settings)
    try:
        async with database.session() as session:
            user = await resolve_user(session=session, user_ref=user_ref)
            # The rows go first: were it the other way round, a failed delete would leave a
            # living user whose confirmed sets had been set aside.
            deleted = await delete_user_rows(session=session, user_id=user.id)
    finally:
        await database.dispose()
    set_aside = 0
    journal_path = journal_path_for(settings.data_dir)
    if journal_path.exists():
        journal = Journal(journal_path)
        try:
            set_aside = await journal.set_aside_user(deleted.id, DELETED_REASON)
        finally:
            await journal.close()
    await announce_change(settings, deleted.id, origin="user-delete")
    return DeletedUser(name=deleted.name, logged_sets=deleted.logged_sets, set_aside=set_aside)
