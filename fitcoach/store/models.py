"""The tables. Every timestamp is a UTC timestamptz; weights are stored in kilograms.

Constraint names come from the naming convention below so that Alembic's batch mode on
SQLite and the Postgres migrations refer to the same names.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlmodel import Field, SQLModel

from fitcoach.store.types import UTCDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Goal(StrEnum):
    LOSE_FAT = "lose_fat"
    BUILD_MUSCLE = "build_muscle"
    STRENGTH = "strength"
    ENDURANCE = "endurance"
    GENERAL_FITNESS = "general_fitness"


class ExperienceLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNSPECIFIED = "unspecified"


class WeightUnit(StrEnum):
    KG = "kg"
    LB = "lb"


def _enum_column(enum: type[StrEnum], *, default: StrEnum | None = None) -> Any:
    # Stored as VARCHAR (no native enum type, no CHECK) so adding a value is not a migration.
    column_type = Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )
    return Column(column_type, nullable=False, default=default)


def _created_at_column() -> Any:
    return Column(UTCDateTime(), nullable=False, server_default=func.now())


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The handle used on the command line (`--user demo`); not unique, so lookups by name
    # can be ambiguous and say so.
    name: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    # How the coach addresses the user.
    display_name: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_created_at_column())


class UserProfile(SQLModel, table=True):
    """Who the user is: the inputs to energy needs and programming."""

    __tablename__ = "user_profiles"

    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    goal: Goal = Field(sa_column=_enum_column(Goal))
    experience_level: ExperienceLevel = Field(sa_column=_enum_column(ExperienceLevel))
    # Body measures are optional: a new user may not give them, and the coach then says what
    # it needs before it computes energy targets.
    body_weight_kg: float | None = Field(default=None, sa_column=Column(Float))
    height_cm: float | None = Field(default=None, sa_column=Column(Float))
    # The year, not an age, so the stored value never goes stale.
    birth_year: int | None = Field(default=None, sa_column=Column(Integer))
    sex: Sex = Field(sa_column=_enum_column(Sex))

    @property
    def age(self) -> int | None:
        """Age this year (within a year: the birthday itself is not asked for)."""
        if self.birth_year is None:
            return None
        return datetime.now(UTC).year - self.birth_year


class UserPreferences(SQLModel, table=True):
    """How the user wants to be coached."""

    __tablename__ = "user_preferences"

    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    preferred_unit: WeightUnit = Field(sa_column=_enum_column(WeightUnit))
    # e.g. ["high protein", "vegetarian"]
    dietary_preferences: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # e.g. ["lactose", "peanuts"]
    dietary_restrictions: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # ISO weekdays, Monday = 0 ... Sunday = 6
    training_days: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # IANA name; "today" for plans is computed in this zone.
    timezone: str = Field(sa_column=Column(String(64), nullable=False))


_ONE_SCHEDULE_KEY = "(weekday IS NULL) <> (plan_date IS NULL)"


class WorkoutPlan(SQLModel, table=True):
    """A named session for one weekday (recurring) or one date (overrides the weekday)."""

    __tablename__ = "workout_plans"
    __table_args__ = (
        UniqueConstraint("user_id", "weekday"),
        UniqueConstraint("user_id", "plan_date"),
        CheckConstraint(_ONE_SCHEDULE_KEY, name="one_schedule_key"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    weekday: int | None = Field(default=None)
    plan_date: date | None = Field(default=None)
    name: str = Field(sa_column=Column(String(120), nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(String(500)))


class PlannedExercise(SQLModel, table=True):
    __tablename__ = "planned_exercises"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("workout_plans.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    exercise: str = Field(sa_column=Column(String(255), nullable=False))
    sets: int = Field(sa_column=Column(Integer, nullable=False))
    reps: int = Field(sa_column=Column(Integer, nullable=False))
    # None: body weight, or a movement with no load (plank, running).
    target_weight_kg: float | None = Field(default=None, sa_column=Column(Float))
    # Effort instead of (or as well as) a load: rate of perceived exertion, 1 to 10.
    target_rpe: float | None = Field(default=None, sa_column=Column(Float))
    rest_seconds: int = Field(sa_column=Column(Integer, nullable=False))


class MealPlan(SQLModel, table=True):
    """The meals for one weekday (recurring) or one date (overrides the weekday)."""

    __tablename__ = "meal_plans"
    __table_args__ = (
        UniqueConstraint("user_id", "weekday"),
        UniqueConstraint("user_id", "plan_date"),
        CheckConstraint(_ONE_SCHEDULE_KEY, name="one_schedule_key"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    weekday: int | None = Field(default=None)
    plan_date: date | None = Field(default=None)


class PlannedMeal(SQLModel, table=True):
    __tablename__ = "planned_meals"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    plan_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("meal_plans.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    name: str = Field(sa_column=Column(String(60), nullable=False))
    # e.g. ["80 g oats", "250 ml milk", "1 banana"]
    items: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    calories: int = Field(sa_column=Column(Integer, nullable=False))
    protein_g: float = Field(sa_column=Column(Float, nullable=False))
    carbs_g: float = Field(sa_column=Column(Float, nullable=False))
    fat_g: float = Field(sa_column=Column(Float, nullable=False))


class WorkoutLog(SQLModel, table=True):
    """One performed set, as the seed design gives it.

    `id` is generated by the client that confirmed the set, so a redelivered insert
    (ON CONFLICT DO NOTHING) never creates a second row.
    """

    __tablename__ = "workout_logs"
    __table_args__ = (
        # `logs tail` follows rows by insertion time.
        Index("ix_workout_logs_created_at", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    exercise: str = Field(sa_column=Column(String(255), nullable=False))
    reps: int = Field(sa_column=Column(Integer, nullable=False))
    weight_kg: float = Field(sa_column=Column(Float, nullable=False))
    logged_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    created_at: datetime | None = Field(default=None, sa_column=_created_at_column())
    # The voice session that confirmed the set, when there was one.
    session_id: uuid.UUID | None = Field(default=None)
