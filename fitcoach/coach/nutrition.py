"""Energy and macronutrient targets, and what is left of today's meal plan.

Energy: Mifflin-St Jeor resting energy (Mifflin et al., Am J Clin Nutr 1990) times an
activity factor. Protein by goal follows the ISSN position stand on protein and exercise
(Jäger et al. 2017: 1.4 to 2.0 g/kg/day, more in a deficit) and Morton et al. 2018; fat
stays at a quarter to a third of energy; carbohydrate fills the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from fitcoach.coach.safety import is_minor

# Multipliers of resting energy by weekly training days (sedentary 1.2 ... very active 1.725).
_ACTIVITY_BY_TRAINING_DAYS = ((0, 1.2), (1, 1.375), (3, 1.465), (4, 1.55), (6, 1.725))

# Fraction of maintenance energy to eat, by goal.
_ENERGY_BY_GOAL = {
    # About 20 % below maintenance: about half a per cent of body weight a week for most
    # people who train, never more than one per cent.
    "lose_fat": 0.8,
    "build_muscle": 1.1,  # a lean surplus
    "strength": 1.05,
    "endurance": 1.05,
    "general_fitness": 1.0,
}

# Grams of protein per kg of body weight per day, by goal.
_PROTEIN_G_PER_KG = {
    "lose_fat": 2.2,  # higher in a deficit to keep muscle
    "build_muscle": 1.8,
    "strength": 1.8,
    "endurance": 1.5,
    "general_fitness": 1.4,
}
_FAT_SHARE_OF_ENERGY = 0.28
_MIN_FAT_G_PER_KG = 0.6
KCAL_PER_G = {"protein": 4, "carbs": 4, "fat": 9}

# The energy in a kilogram of body weight lost, the usual planning figure: mostly fat, at
# about 9 kcal a gram, with some water.
KCAL_PER_KG_LOST = 7700

# Caffeine intakes that raise no safety concern (EFSA Scientific Opinion on the safety of
# caffeine, 2015): for healthy adults, single doses up to 200 mg and up to 400 mg a day; in
# pregnancy up to 200 mg a day; for children and adolescents about 3 mg per kg a day.
CAFFEINE_SINGLE_DOSE_MG = 200
CAFFEINE_DAILY_MG = 400
CAFFEINE_PREGNANCY_DAILY_MG = 200
CAFFEINE_UNDER_18_MG_PER_KG_DAY = 3.0

# When each named meal usually happens, to tell which are still ahead today.
MEAL_TIMES = {
    "breakfast": time(8, 0),
    "lunch": time(13, 0),
    "snack": time(16, 0),
    "dinner": time(19, 0),
}


def resting_energy_kcal(*, weight_kg: float, height_cm: float, age: int, sex: str) -> float:
    """Mifflin-St Jeor resting energy expenditure."""
    base = 10 * weight_kg + 6.25 * height_cm - 5 * age
    offset = {"male": 5.0, "female": -161.0}.get(sex, -78.0)  # unspecified: the midpoint
    return base + offset


def activity_factor(training_days_per_week: int) -> float:
    factor = _ACTIVITY_BY_TRAINING_DAYS[0][1]
    for days, value in _ACTIVITY_BY_TRAINING_DAYS:
        if training_days_per_week >= days:
            factor = value
    return factor


@dataclass(frozen=True)
class NutritionTargets:
    maintenance_kcal: int
    energy_kcal: int
    protein_g: int
    carbs_g: int
    fat_g: int


def nutrition_targets(
    *,
    weight_kg: float,
    height_cm: float,
    age: int,
    sex: str,
    goal: str,
    training_days_per_week: int,
) -> NutritionTargets:
    """Daily energy and macro targets for a person and goal."""
    maintenance = resting_energy_kcal(
        weight_kg=weight_kg, height_cm=height_cm, age=age, sex=sex
    ) * activity_factor(training_days_per_week)
    energy = maintenance * _ENERGY_BY_GOAL.get(goal, 1.0)
    protein = _PROTEIN_G_PER_KG.get(goal, 1.6) * weight_kg
    fat = max(_FAT_SHARE_OF_ENERGY * energy / KCAL_PER_G["fat"], _MIN_FAT_G_PER_KG * weight_kg)
    carbs = max(0.0, (energy - protein * KCAL_PER_G["protein"] - fat * KCAL_PER_G["fat"]) / 4)
    return NutritionTargets(
        maintenance_kcal=round(maintenance),
        energy_kcal=round(energy),
        protein_g=round(protein),
        carbs_g=round(carbs),
        fat_g=round(fat),
    )


def weekly_weight_change_kg(daily_kcal_balance: float) -> float:
    """Kilograms a week a daily energy deficit (negative: a surplus) takes off."""
    return daily_kcal_balance * 7 / KCAL_PER_KG_LOST


def caffeine_daily_limit_mg(*, weight_kg: float, age: int, pregnant: bool = False) -> float:
    """The most caffeine a day that raises no safety concern for this person."""
    if is_minor(age):
        return min(CAFFEINE_UNDER_18_MG_PER_KG_DAY * weight_kg, CAFFEINE_DAILY_MG)
    return CAFFEINE_PREGNANCY_DAILY_MG if pregnant else CAFFEINE_DAILY_MG


def meal_time(name: str) -> time | None:
    return MEAL_TIMES.get(name.strip().lower())


def meals_still_ahead(meal_names: list[str], now: time) -> list[int]:
    """Indexes of the meals not yet due (a meal counts as eaten an hour after its time)."""
    ahead = []
    for index, name in enumerate(meal_names):
        due = meal_time(name)
        if due is None or (due.hour + 1, due.minute) > (now.hour, now.minute):
            ahead.append(index)
    return ahead
