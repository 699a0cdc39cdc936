"""Plan files: a readable weekly template in YAML, checked with pydantic, with line numbers.

    name: Beginner full body
    unit: kg                      # loads below are in kg (default: the user's unit)
    workouts:
      monday:
        name: Full body A
        exercises:
          - {exercise: squat, sets: 3, reps: 5, load: 60}
          - {exercise: bench press, sets: 3, reps: 8, rpe: 7}
      tuesday: rest
    meals:
      every day:
        - {name: Breakfast, items: [80 g oats], protein: 25, carbs: 60, fat: 10}

A mistake is reported where it is, as `plan.yaml:12: reps must be a whole number`: the YAML
is composed into nodes first, and each value's line is kept by its path, which is also where
pydantic reports an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fitcoach.coach.exercises import exercise_for_log
from fitcoach.coach.units import kg_from, kg_in
from fitcoach.errors import InvalidInput
from fitcoach.store.plans import LiftSpec, MealSpec, SessionSpec, WeeklyPlan

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_DAY = "every day"
MAX_FILE_BYTES = 1_000_000
MAX_LOAD_KG = 1000.0

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MealDay = Literal[
    "every day", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
]
Text = Annotated[str, Field(min_length=1, max_length=120)]


class PlanFileError(InvalidInput):
    """A plan file that cannot be imported; the message starts with `file:line:`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExerciseEntry(_Strict):
    exercise: Annotated[str, Field(min_length=1, max_length=255)]
    sets: int = Field(ge=1, le=20)
    reps: int = Field(ge=1, le=1000)
    # In the file's unit; 0 or absent: body weight (or effort given as rpe instead).
    load: float | None = Field(default=None, ge=0)
    rpe: float | None = Field(default=None, ge=1, le=10)
    rest: int = Field(default=90, ge=0, le=1800, description="seconds")


class WorkoutDay(_Strict):
    name: Text
    notes: Annotated[str, Field(max_length=500)] | None = None
    exercises: list[ExerciseEntry] = Field(min_length=1, max_length=40)


class MealEntry(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    items: list[Text] = Field(default_factory=list, max_length=30)
    protein: float = Field(ge=0, le=1000)
    carbs: float = Field(ge=0, le=2000)
    fat: float = Field(ge=0, le=1000)
    # Worked out from the macros when left out (4, 4 and 9 kcal a gram).
    calories: int | None = Field(default=None, ge=0, le=20_000)


class PlanFile(_Strict):
    name: Text | None = None
    unit: Literal["kg", "lb"] | None = None
    workouts: dict[Weekday, WorkoutDay | None] | None = None
    meals: dict[MealDay, list[MealEntry]] | None = None

    @field_validator("workouts", mode="before")
    @classmethod
    def _rest_days(cls, value: Any) -> Any:
        # "tuesday: rest" reads better than an empty entry.
        if isinstance(value, dict):
            return {
                _day_key(day): None
                if isinstance(entry, str) and entry.strip().lower() == "rest"
                else entry
                for day, entry in value.items()
            }
        return value

    @field_validator("meals", mode="before")
    @classmethod
    def _meal_days(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_day_key(day): entry for day, entry in value.items()}
        return value


def _day_key(day: Any) -> Any:
    return " ".join(day.lower().replace("_", " ").split()) if isinstance(day, str) else day


# -- reading YAML with its line numbers ------------------------------------------------------

Path_ = tuple[str | int, ...]


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[str]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _day_key(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key in seen:
                problems.append(
                    f"{key_node.start_mark.line + 1}: {key_node.value!s} is given twice"
                )
            seen.add(key)
            lines[(*path, key, "[key]")] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems)


def _load_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlanFileError(f"{source}:1: the file is empty")
        lines: dict[Path_, int] = {}
        problems: list[str] = []
        _walk(node, (), lines, problems)
        if problems:
            raise PlanFileError(f"{source}:{problems[0]}")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PlanFileError(
            f"{source}:{line}: not valid YAML: {exc.problem or exc.context}"
        ) from None
    except yaml.YAMLError as exc:
        raise PlanFileError(f"{source}: not valid YAML ({type(exc).__name__})") from None
    finally:
        loader.dispose()
    return data, lines


def _line_for(loc: tuple[str | int, ...], lines: dict[Path_, int]) -> int:
    key = tuple(_day_key(part) for part in loc)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return lines.get((), 1)


def _field(loc: tuple[str | int, ...]) -> str:
    names = [part for part in loc if isinstance(part, str) and part != "[key]"]
    return names[-1] if names else "the plan"


def _message(error: Any) -> str:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind: str = error["type"]
    ctx = error.get("ctx") or {}
    field = _field(loc)
    if loc and loc[-1] == "[key]":
        allowed = "monday to sunday" if loc[0] == "workouts" else "every day, or monday to sunday"
        return f"{error['input']!r} is not a day of the week ({allowed})"
    if kind in ("int_from_float", "int_parsing", "int_type"):
        return f"{field} must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return f"{field} must be a number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{field} must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{field} must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "missing":
        return f"{field} is missing"
    if kind == "extra_forbidden":
        return f"unknown field {field!r}"
    if kind == "string_too_short":
        return f"{field} is empty"
    if kind == "string_too_long":
        return f"{field} is longer than {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"{field} needs at least {ctx.get('min_length')} entry"
    if kind == "too_long":
        return f"{field} has more than {ctx.get('max_length')} entries"
    if kind in ("model_type", "dict_type") and field in WEEKDAYS and loc[0] == "workouts":
        return f"{field} must be 'rest' or a workout with a name and exercises"
    if kind in ("model_type", "dict_type"):
        return f"{field} must be a mapping of fields"
    if kind == "list_type":
        return f"{field} must be a list"
    if kind == "literal_error":
        return f"{field} must be {ctx.get('expected')}"
    return f"{field}: {str(error['msg'])[:1].lower()}{str(error['msg'])[1:]}"


def parse_plan(text: str, source: str = "plan.yaml") -> PlanFile:
    """The plan in `text`, or a PlanFileError naming the first mistake and its line."""
    data, lines = _load_yaml(text, source)
    if not isinstance(data, dict):
        raise PlanFileError(f"{source}:1: a plan file is a mapping (name, unit, workouts, meals)")
    try:
        plan = PlanFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        line = _line_for(tuple(first["loc"]), lines)
        raise PlanFileError(f"{source}:{line}: {_message(first)}") from None
    if plan.workouts is None and plan.meals is None:
        raise PlanFileError(f"{source}:1: the plan has neither workouts nor meals")
    for day, workout in (plan.workouts or {}).items():
        for index, entry in enumerate(workout.exercises if workout else []):
            if entry.load is not None and kg_from(plan.unit or "kg", entry.load) > MAX_LOAD_KG:
                line = _line_for(("workouts", day, "exercises", index, "load"), lines)
                raise PlanFileError(f"{source}:{line}: load must be at most 1000 kg (2204 lb)")
    return plan


def read_plan_file(path: Path) -> PlanFile:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PlanFileError(f"{path.name}: the file is larger than a plan can be (1 MB)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PlanFileError(f"{path}: is a directory, not a plan file") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path.name}: not a text file (UTF-8)") from None
    except OSError as exc:
        raise PlanFileError(
            f"{path}: cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    return parse_plan(text, path.name)


# -- between the file and the store ------------------------------------------------------


def _calories(meal: MealEntry) -> int:
    if meal.calories is not None:
        return meal.calories
    return round(4 * meal.protein + 4 * meal.carbs + 9 * meal.fat)


def to_weekly_plan(plan: PlanFile, user_unit: str) -> WeeklyPlan:
    """Storage units (kg) and canonical exercise names, so logs and plans add up."""
    unit = plan.unit or user_unit
    workouts = None
    if plan.workouts is not None:
        workouts = {
            WEEKDAYS.index(day): SessionSpec(
                name=workout.name,
                notes=workout.notes,
                lifts=tuple(
                    LiftSpec(
                        exercise=exercise_for_log(entry.exercise),
                        sets=entry.sets,
                        reps=entry.reps,
                        weight_kg=round(kg_from(unit, entry.load), 3) if entry.load else None,
                        rpe=entry.rpe,
                        rest_seconds=entry.rest,
                    )
                    for entry in workout.exercises
                ),
            )
            for day, workout in plan.workouts.items()
            if workout is not None
        }
    meals = None
    if plan.meals is not None:
        by_day: dict[str, list[MealEntry]] = {str(day): entry for day, entry in plan.meals.items()}
        every_day = by_day.get(EVERY_DAY, [])
        meals = {}
        for index, day in enumerate(WEEKDAYS):
            chosen = by_day.get(day, every_day)
            if chosen:
                meals[index] = tuple(
                    MealSpec(
                        name=meal.name,
                        items=tuple(meal.items),
                        calories=_calories(meal),
                        protein_g=meal.protein,
                        carbs_g=meal.carbs,
                        fat_g=meal.fat,
                    )
                    for meal in chosen
                )
    return WeeklyPlan(workouts=workouts, meals=meals)


def _number(value: float) -> int | float:
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def _exercise_entry(lift: LiftSpec, unit: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"exercise": lift.exercise, "sets": lift.sets, "reps": lift.reps}
    if lift.weight_kg:
        entry["load"] = _number(kg_in(unit, lift.weight_kg))
    if lift.rpe is not None:
        entry["rpe"] = _number(lift.rpe)
    entry["rest"] = lift.rest_seconds
    return entry


def _meal_entry(meal: MealSpec) -> dict[str, Any]:
    return {
        "name": meal.name,
        "items": list(meal.items),
        "protein": _number(meal.protein_g),
        "carbs": _number(meal.carbs_g),
        "fat": _number(meal.fat_g),
        "calories": meal.calories,
    }


def _meal_days(meals: dict[int, tuple[MealSpec, ...]]) -> Iterator[tuple[str, list[Any]]]:
    days = [meals.get(index, ()) for index in range(7)]
    if days[0] and all(day == days[0] for day in days):
        yield EVERY_DAY, [_meal_entry(meal) for meal in days[0]]
        return
    for index, day_meals in enumerate(days):
        if day_meals:
            yield WEEKDAYS[index], [_meal_entry(meal) for meal in day_meals]


def export_yaml(plan: WeeklyPlan, *, unit: str, name: str | None = None) -> str:
    """The plan as a file `parse_plan` reads back to the same plan."""
    document: dict[str, Any] = {}
    if name:
        document["name"] = name
    document["unit"] = unit
    workouts: dict[str, Any] = {}
    for index, day in enumerate(WEEKDAYS):
        session = (plan.workouts or {}).get(index)
        if session is None:
            workouts[day] = "rest"
            continue
        entry: dict[str, Any] = {"name": session.name}
        if session.notes:
            entry["notes"] = session.notes
        entry["exercises"] = [_exercise_entry(lift, unit) for lift in session.lifts]
        workouts[day] = entry
    document["workouts"] = workouts
    if plan.meals:
        document["meals"] = dict(_meal_days(plan.meals))
    header = (
        "# fitcoach plan: `fitcoach plan import FILE.yaml` replaces the weekly workouts and\n"
        f"# meals with these. Loads are in {unit}; rest is in seconds; rpe is 1 to 10.\n"
    )
    body: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return header + body
