"""profiles a new user can fill in: birth year instead of age, optional body measures;
planned exercises may carry a target RPE

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Downgrading cannot restore measures a user never gave; 0001 requires a value, so these
# stand in (and the coach would compute targets from them): downgrade only to roll back.
_DOWNGRADE_AGE = 30
_DOWNGRADE_WEIGHT_KG = 70.0
_DOWNGRADE_HEIGHT_CM = 170.0


def upgrade() -> None:
    year = datetime.now(UTC).year
    with op.batch_alter_table("user_profiles") as batch:
        batch.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
        batch.alter_column("body_weight_kg", existing_type=sa.Float(), nullable=True)
        batch.alter_column("height_cm", existing_type=sa.Float(), nullable=True)
    op.execute(sa.text("UPDATE user_profiles SET birth_year = :year - age").bindparams(year=year))
    with op.batch_alter_table("user_profiles") as batch:
        batch.drop_column("age")
    with op.batch_alter_table("planned_exercises") as batch:
        batch.add_column(sa.Column("target_rpe", sa.Float(), nullable=True))


def downgrade() -> None:
    year = datetime.now(UTC).year
    with op.batch_alter_table("planned_exercises") as batch:
        batch.drop_column("target_rpe")
    with op.batch_alter_table("user_profiles") as batch:
        batch.add_column(sa.Column("age", sa.Integer(), nullable=True))
    op.execute(
        sa.text(
            "UPDATE user_profiles SET age = COALESCE(:year - birth_year, :age), "
            "body_weight_kg = COALESCE(body_weight_kg, :weight), "
            "height_cm = COALESCE(height_cm, :height)"
        ).bindparams(
            year=year, age=_DOWNGRADE_AGE, weight=_DOWNGRADE_WEIGHT_KG, height=_DOWNGRADE_HEIGHT_CM
        )
    )
    with op.batch_alter_table("user_profiles") as batch:
        batch.alter_column("age", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("body_weight_kg", existing_type=sa.Float(), nullable=False)
        batch.alter_column("height_cm", existing_type=sa.Float(), nullable=False)
        batch.drop_column("birth_year")
