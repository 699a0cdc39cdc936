"""Persistence: tables, the async engine, migrations, queries and demo data.

Importing this package loads SQLAlchemy; the CLI imports it inside the commands that need it.
"""

from fitcoach.store.database import (
    Database,
    DatabaseSession,
    describe_url,
    open_database,
    resolve_database_url,
)
from fitcoach.store.migrate import (
    SchemaState,
    downgrade,
    head_revision,
    open_migrated_database,
    schema_state,
    upgrade,
)
from fitcoach.store.models import (
    ExperienceLevel,
    Goal,
    MealPlan,
    PlannedExercise,
    PlannedMeal,
    Sex,
    User,
    UserPreferences,
    UserProfile,
    WeightUnit,
    WorkoutLog,
    WorkoutPlan,
)
from fitcoach.store.seed import SeedReport, seed, user_id_for
from fitcoach.store.users import UserSummary, list_users, resolve_user
from fitcoach.store.workout_logs import (
    LogEntry,
    LogFollower,
    WorkoutSet,
    insert_workout_sets,
    list_logs,
    list_session_sets,
)

__all__ = [
    "Database",
    "DatabaseSession",
    "ExperienceLevel",
    "Goal",
    "LogEntry",
    "LogFollower",
    "MealPlan",
    "PlannedExercise",
    "PlannedMeal",
    "SchemaState",
    "SeedReport",
    "Sex",
    "User",
    "UserPreferences",
    "UserProfile",
    "UserSummary",
    "WeightUnit",
    "WorkoutLog",
    "WorkoutPlan",
    "WorkoutSet",
    "describe_url",
    "downgrade",
    "head_revision",
    "insert_workout_sets",
    "list_logs",
    "list_session_sets",
    "list_users",
    "open_database",
    "open_migrated_database",
    "resolve_database_url",
    "resolve_user",
    "schema_state",
    "seed",
    "upgrade",
    "user_id_for",
]
