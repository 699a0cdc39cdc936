"""initial schema: users, profiles, preferences, plans, workout_logs

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=f"fk_{table}_user_id_users", ondelete="CASCADE"
    )


def _schedule_checks(table: str) -> list[sa.CheckConstraint]:
    return [
        sa.CheckConstraint(
            "(weekday IS NULL) <> (plan_date IS NULL)", name=f"ck_{table}_one_schedule_key"
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=f"ck_{table}_weekday_range"),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("ix_users_name", "users", ["name"])

    op.create_table(
        "user_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "goal",
            _enum("goal", "lose_fat", "build_muscle", "strength", "endurance", "general_fitness"),
            nullable=False,
        ),
        sa.Column(
            "experience_level",
            _enum("experiencelevel", "beginner", "intermediate", "advanced"),
            nullable=False,
        ),
        sa.Column("body_weight_kg", sa.Float(), nullable=False),
        sa.Column("height_cm", sa.Float(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("sex", _enum("sex", "male", "female", "unspecified"), nullable=False),
        _user_fk("user_profiles"),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_profiles"),
    )

    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("preferred_unit", _enum("weightunit", "kg", "lb"), nullable=False),
        sa.Column("dietary_preferences", sa.JSON(), nullable=False),
        sa.Column("dietary_restrictions", sa.JSON(), nullable=False),
        sa.Column("training_days", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        _user_fk("user_preferences"),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_preferences"),
    )

    op.create_table(
        "workout_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("plan_date", sa.Date(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=True),
        *_schedule_checks("workout_plans"),
        _user_fk("workout_plans"),
        sa.PrimaryKeyConstraint("id", name="pk_workout_plans"),
        sa.UniqueConstraint("user_id", "plan_date", name="uq_workout_plans_user_id_plan_date"),
        sa.UniqueConstraint("user_id", "weekday", name="uq_workout_plans_user_id_weekday"),
    )
    op.create_index("ix_workout_plans_user_id", "workout_plans", ["user_id"])

    op.create_table(
        "planned_exercises",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=255), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("target_weight_kg", sa.Float(), nullable=True),
        sa.Column("rest_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["workout_plans.id"],
            name="fk_planned_exercises_plan_id_workout_plans",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_planned_exercises"),
        sa.UniqueConstraint("plan_id", "position", name="uq_planned_exercises_plan_id_position"),
    )
    op.create_index("ix_planned_exercises_plan_id", "planned_exercises", ["plan_id"])

    op.create_table(
        "meal_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("plan_date", sa.Date(), nullable=True),
        *_schedule_checks("meal_plans"),
        _user_fk("meal_plans"),
        sa.PrimaryKeyConstraint("id", name="pk_meal_plans"),
        sa.UniqueConstraint("user_id", "plan_date", name="uq_meal_plans_user_id_plan_date"),
        sa.UniqueConstraint("user_id", "weekday", name="uq_meal_plans_user_id_weekday"),
    )
    op.create_index("ix_meal_plans_user_id", "meal_plans", ["user_id"])

    op.create_table(
        "planned_meals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("calories", sa.Integer(), nullable=False),
        sa.Column("protein_g", sa.Float(), nullable=False),
        sa.Column("carbs_g", sa.Float(), nullable=False),
        sa.Column("fat_g", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["meal_plans.id"],
            name="fk_planned_meals_plan_id_meal_plans",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_planned_meals"),
        sa.UniqueConstraint("plan_id", "position", name="uq_planned_meals_plan_id_position"),
    )
    op.create_index("ix_planned_meals_plan_id", "planned_meals", ["plan_id"])

    op.create_table(
        "workout_logs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("exercise", sa.String(length=255), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        _user_fk("workout_logs"),
        sa.PrimaryKeyConstraint("id", name="pk_workout_logs"),
    )
    op.create_index("ix_workout_logs_user_id", "workout_logs", ["user_id"])
    op.create_index("ix_workout_logs_logged_at", "workout_logs", ["logged_at"])
    op.create_index("ix_workout_logs_created_at", "workout_logs", ["created_at"])


def downgrade() -> None:
    for table in (
        "workout_logs",
        "planned_meals",
        "meal_plans",
        "planned_exercises",
        "workout_plans",
        "user_preferences",
        "user_profiles",
        "users",
    ):
        op.drop_table(table)
