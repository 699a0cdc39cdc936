"""The demo world: four people with different goals, their weekly programs and menus.

Loads are written for a reference lifter (80 kg, intermediate, male) and scaled per user in
`seed.py`; food portions are written for one reference day and scaled to the user's energy
target. `None` as a load means body weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from fitcoach.store.models import ExperienceLevel, Goal, Sex, WeightUnit


@dataclass(frozen=True)
class DemoLift:
    exercise: str
    sets: int
    reps: int
    reference_kg: float | None
    rest_seconds: int


@dataclass(frozen=True)
class DemoWorkout:
    name: str
    lifts: tuple[DemoLift, ...]
    notes: str | None = None


def _lift(exercise: str, sets: int, reps: int, kg: float | None, rest: int = 90) -> DemoLift:
    return DemoLift(exercise, sets, reps, kg, rest)


# weekday (Monday = 0) -> session; days not listed are rest days.
PROGRAMS: dict[str, dict[int, DemoWorkout]] = {
    "push_pull_legs_upper_lower": {
        0: DemoWorkout(
            "Push",
            (
                _lift("bench press", 4, 8, 70, 120),
                _lift("overhead press", 3, 10, 40, 90),
                _lift("incline dumbbell press", 3, 10, 24, 90),
                _lift("lateral raise", 3, 15, 8, 60),
                _lift("tricep pushdown", 3, 12, 25, 60),
            ),
        ),
        1: DemoWorkout(
            "Pull",
            (
                _lift("deadlift", 3, 5, 120, 180),
                _lift("pull-up", 4, 8, None, 120),
                _lift("barbell row", 3, 10, 60, 90),
                _lift("face pull", 3, 15, 15, 60),
                _lift("dumbbell curl", 3, 12, 12, 60),
            ),
        ),
        3: DemoWorkout(
            "Legs",
            (
                _lift("squat", 4, 8, 90, 150),
                _lift("romanian deadlift", 3, 10, 80, 120),
                _lift("leg press", 3, 12, 140, 90),
                _lift("leg curl", 3, 12, 35, 60),
                _lift("calf raise", 4, 15, 60, 60),
            ),
        ),
        4: DemoWorkout(
            "Upper",
            (
                _lift("bench press", 3, 6, 75, 150),
                _lift("barbell row", 3, 8, 65, 120),
                _lift("overhead press", 3, 8, 42.5, 120),
                _lift("lat pulldown", 3, 12, 55, 90),
                _lift("hammer curl", 3, 12, 14, 60),
            ),
        ),
        5: DemoWorkout(
            "Lower",
            (
                _lift("squat", 3, 6, 95, 180),
                _lift("hip thrust", 3, 10, 100, 90),
                _lift("walking lunge", 3, 12, 20, 90),
                _lift("leg extension", 3, 15, 40, 60),
                _lift("hanging leg raise", 3, 12, None, 60),
            ),
        ),
    },
    "full_body_beginner": {
        0: DemoWorkout(
            "Full body A",
            (
                _lift("goblet squat", 3, 10, 20, 90),
                _lift("push-up", 3, 10, None, 90),
                _lift("dumbbell row", 3, 10, 16, 90),
                _lift("glute bridge", 3, 12, 40, 60),
                _lift("plank", 3, 1, None, 60),
            ),
            notes="Plank: hold 30 to 45 seconds per set.",
        ),
        2: DemoWorkout(
            "Full body B",
            (
                _lift("leg press", 3, 12, 80, 90),
                _lift("dumbbell bench press", 3, 10, 18, 90),
                _lift("lat pulldown", 3, 12, 40, 90),
                _lift("romanian deadlift", 3, 10, 40, 90),
                _lift("dead bug", 3, 10, None, 45),
            ),
        ),
        4: DemoWorkout(
            "Full body A",
            (
                _lift("goblet squat", 3, 12, 20, 90),
                _lift("push-up", 3, 12, None, 90),
                _lift("seated cable row", 3, 12, 40, 90),
                _lift("step-up", 3, 10, 10, 60),
                _lift("farmer's carry", 3, 1, 24, 60),
            ),
            notes="Farmer's carry: walk 30 metres per set.",
        ),
    },
    "upper_lower_strength": {
        0: DemoWorkout(
            "Heavy lower",
            (
                _lift("squat", 5, 5, 110, 180),
                _lift("romanian deadlift", 3, 8, 90, 150),
                _lift("bulgarian split squat", 3, 8, 24, 90),
                _lift("ab wheel rollout", 3, 10, None, 60),
            ),
        ),
        1: DemoWorkout(
            "Heavy upper",
            (
                _lift("bench press", 5, 5, 90, 180),
                _lift("weighted pull-up", 4, 6, 10, 150),
                _lift("overhead press", 3, 6, 50, 120),
                _lift("chest-supported row", 3, 10, 30, 90),
            ),
        ),
        3: DemoWorkout(
            "Deadlift day",
            (
                _lift("deadlift", 5, 3, 150, 240),
                _lift("front squat", 3, 6, 80, 150),
                _lift("hip thrust", 3, 8, 120, 90),
                _lift("hanging leg raise", 3, 12, None, 60),
            ),
        ),
        4: DemoWorkout(
            "Volume upper",
            (
                _lift("close-grip bench press", 4, 8, 75, 120),
                _lift("barbell row", 4, 8, 75, 120),
                _lift("dip", 3, 10, None, 90),
                _lift("face pull", 3, 15, 18, 60),
                _lift("barbell curl", 3, 10, 30, 60),
            ),
        ),
    },
    "conditioning": {
        1: DemoWorkout(
            "Strength circuit",
            (
                _lift("kettlebell swing", 4, 15, 20, 60),
                _lift("goblet squat", 4, 12, 24, 60),
                _lift("push-up", 4, 12, None, 60),
                _lift("dumbbell row", 4, 12, 18, 60),
            ),
            notes="Move between exercises with little rest; rest at the end of each round.",
        ),
        3: DemoWorkout(
            "Intervals",
            (
                _lift("rowing machine", 6, 1, None, 90),
                _lift("box jump", 4, 8, None, 90),
                _lift("walking lunge", 3, 16, 10, 60),
            ),
            notes="Rowing: 500 metres hard per set.",
        ),
        5: DemoWorkout(
            "Long run",
            (_lift("running", 1, 1, None, 0),),
            notes="Easy pace, 45 to 60 minutes, conversational effort.",
        ),
        6: DemoWorkout(
            "Mobility and core",
            (
                _lift("plank", 3, 1, None, 45),
                _lift("side plank", 3, 1, None, 45),
                _lift("glute bridge", 3, 15, None, 45),
                _lift("bird dog", 3, 10, None, 45),
            ),
            notes="Planks: hold 40 seconds per set.",
        ),
    },
}


@dataclass(frozen=True)
class DemoPortion:
    amount: float
    unit: str  # "g", "ml" or "" for a count
    food: str

    def scaled(self, factor: float) -> str:
        if self.unit:
            step = 5 if self.amount >= 20 else 1
            amount = max(step, round(self.amount * factor / step) * step)
            return f"{amount:g} {self.unit} {self.food}"
        count = max(1, round(self.amount * factor))
        return f"{count} {self.food}"


@dataclass(frozen=True)
class DemoMeal:
    name: str
    portions: tuple[DemoPortion, ...]
    protein_g: float
    carbs_g: float
    fat_g: float


def _meal(
    name: str, portions: list[tuple[float, str, str]], p: float, c: float, f: float
) -> DemoMeal:
    return DemoMeal(name, tuple(DemoPortion(*portion) for portion in portions), p, c, f)


# One reference day is about 2,300 kcal. Each menu has one option per meal slot per day
# type; `seed.py` rotates them over the week.
MENUS: dict[str, dict[str, tuple[DemoMeal, ...]]] = {
    "omnivore": {
        "Breakfast": (
            _meal(
                "Breakfast",
                [
                    (80, "g", "oats"),
                    (250, "ml", "milk"),
                    (1, "", "banana"),
                    (30, "g", "whey protein"),
                ],
                45,
                85,
                12,
            ),
            _meal(
                "Breakfast",
                [
                    (3, "", "eggs"),
                    (2, "", "slices of wholegrain toast"),
                    (100, "g", "spinach"),
                    (150, "g", "Greek yogurt"),
                ],
                42,
                40,
                22,
            ),
            _meal(
                "Breakfast",
                [
                    (200, "g", "Greek yogurt"),
                    (60, "g", "granola"),
                    (100, "g", "berries"),
                    (20, "g", "almonds"),
                ],
                30,
                65,
                18,
            ),
        ),
        "Lunch": (
            _meal(
                "Lunch",
                [
                    (150, "g", "chicken breast"),
                    (180, "g", "cooked rice"),
                    (150, "g", "broccoli"),
                    (10, "ml", "olive oil"),
                ],
                50,
                60,
                14,
            ),
            _meal(
                "Lunch",
                [
                    (150, "g", "lean beef mince"),
                    (1, "", "wholewheat wrap"),
                    (100, "g", "black beans"),
                    (50, "g", "avocado"),
                ],
                45,
                55,
                20,
            ),
            _meal(
                "Lunch",
                [
                    (120, "g", "tuna"),
                    (200, "g", "boiled potatoes"),
                    (100, "g", "green beans"),
                    (1, "", "boiled egg"),
                ],
                42,
                45,
                10,
            ),
        ),
        "Snack": (
            _meal("Snack", [(250, "g", "cottage cheese"), (1, "", "apple")], 30, 28, 6),
            _meal("Snack", [(1, "", "protein bar"), (1, "", "orange")], 22, 38, 8),
        ),
        "Dinner": (
            _meal(
                "Dinner",
                [(180, "g", "salmon fillet"), (200, "g", "sweet potato"), (150, "g", "asparagus")],
                40,
                45,
                22,
            ),
            _meal(
                "Dinner",
                [
                    (150, "g", "turkey mince"),
                    (100, "g", "wholewheat pasta"),
                    (200, "g", "tomato sauce"),
                    (20, "g", "parmesan"),
                ],
                48,
                80,
                16,
            ),
            _meal(
                "Dinner",
                [
                    (170, "g", "chicken thighs"),
                    (150, "g", "quinoa"),
                    (200, "g", "roasted vegetables"),
                ],
                42,
                50,
                20,
            ),
            _meal(
                "Dinner",
                [(200, "g", "lean steak"), (250, "g", "baked potato"), (100, "g", "side salad")],
                52,
                55,
                18,
            ),
        ),
    },
    # Vegetarian and dairy-free (fits a lactose restriction).
    "vegetarian": {
        "Breakfast": (
            _meal(
                "Breakfast",
                [
                    (80, "g", "oats"),
                    (250, "ml", "soy milk"),
                    (30, "g", "pea protein"),
                    (100, "g", "berries"),
                ],
                38,
                70,
                12,
            ),
            _meal(
                "Breakfast",
                [
                    (200, "g", "scrambled tofu"),
                    (2, "", "slices of rye toast"),
                    (100, "g", "cherry tomatoes"),
                ],
                30,
                40,
                16,
            ),
            _meal(
                "Breakfast",
                [
                    (200, "g", "soy yogurt"),
                    (50, "g", "muesli"),
                    (1, "", "banana"),
                    (15, "g", "chia seeds"),
                ],
                20,
                70,
                14,
            ),
        ),
        "Lunch": (
            _meal(
                "Lunch",
                [
                    (200, "g", "cooked lentils"),
                    (150, "g", "brown rice"),
                    (150, "g", "spinach"),
                    (10, "ml", "olive oil"),
                ],
                26,
                75,
                12,
            ),
            _meal(
                "Lunch",
                [(150, "g", "tempeh"), (150, "g", "quinoa"), (150, "g", "roasted peppers")],
                36,
                55,
                18,
            ),
            _meal(
                "Lunch",
                [
                    (200, "g", "chickpeas"),
                    (1, "", "wholewheat pitta"),
                    (60, "g", "hummus"),
                    (100, "g", "cucumber salad"),
                ],
                24,
                70,
                16,
            ),
        ),
        "Snack": (
            _meal("Snack", [(30, "g", "almonds"), (1, "", "apple")], 7, 25, 15),
            _meal("Snack", [(250, "ml", "soy protein shake"), (1, "", "pear")], 25, 30, 5),
        ),
        "Dinner": (
            _meal(
                "Dinner",
                [
                    (200, "g", "firm tofu"),
                    (200, "g", "stir-fried vegetables"),
                    (150, "g", "rice noodles"),
                ],
                34,
                70,
                18,
            ),
            _meal(
                "Dinner",
                [
                    (150, "g", "black bean burger"),
                    (1, "", "wholegrain bun"),
                    (150, "g", "sweet potato wedges"),
                ],
                28,
                80,
                14,
            ),
            _meal(
                "Dinner",
                [
                    (250, "g", "lentil dahl"),
                    (150, "g", "basmati rice"),
                    (100, "g", "steamed greens"),
                ],
                26,
                80,
                10,
            ),
            _meal(
                "Dinner",
                [(200, "g", "seitan"), (200, "g", "roasted vegetables"), (150, "g", "couscous")],
                50,
                65,
                12,
            ),
        ),
    },
    # Pescatarian and gluten-free.
    "pescatarian": {
        "Breakfast": (
            _meal(
                "Breakfast",
                [
                    (80, "g", "gluten-free oats"),
                    (250, "ml", "milk"),
                    (100, "g", "berries"),
                    (20, "g", "walnuts"),
                ],
                20,
                70,
                18,
            ),
            _meal(
                "Breakfast",
                [(3, "", "eggs"), (100, "g", "smoked salmon"), (150, "g", "potato hash")],
                40,
                35,
                24,
            ),
            _meal(
                "Breakfast",
                [
                    (200, "g", "Greek yogurt"),
                    (1, "", "banana"),
                    (20, "g", "honey"),
                    (15, "g", "flax seeds"),
                ],
                22,
                60,
                10,
            ),
        ),
        "Lunch": (
            _meal(
                "Lunch",
                [(150, "g", "tuna steak"), (180, "g", "cooked rice"), (150, "g", "edamame")],
                55,
                65,
                10,
            ),
            _meal(
                "Lunch",
                [(150, "g", "prawns"), (150, "g", "quinoa"), (100, "g", "mango salsa")],
                36,
                60,
                8,
            ),
            _meal(
                "Lunch",
                [
                    (2, "", "corn tortillas"),
                    (150, "g", "white fish"),
                    (100, "g", "slaw"),
                    (50, "g", "avocado"),
                ],
                32,
                45,
                16,
            ),
        ),
        "Snack": (
            _meal("Snack", [(150, "g", "Greek yogurt"), (30, "g", "rice cakes")], 16, 28, 4),
            _meal("Snack", [(2, "", "boiled eggs"), (1, "", "orange")], 13, 15, 10),
        ),
        "Dinner": (
            _meal(
                "Dinner",
                [
                    (180, "g", "salmon fillet"),
                    (200, "g", "new potatoes"),
                    (150, "g", "green beans"),
                ],
                40,
                45,
                22,
            ),
            _meal(
                "Dinner",
                [(200, "g", "cod"), (150, "g", "polenta"), (150, "g", "ratatouille")],
                42,
                55,
                8,
            ),
            _meal(
                "Dinner",
                [(150, "g", "mackerel"), (150, "g", "buckwheat"), (150, "g", "roasted beetroot")],
                34,
                60,
                24,
            ),
            _meal(
                "Dinner",
                [(200, "g", "seafood mix"), (180, "g", "risotto rice"), (100, "g", "peas")],
                40,
                75,
                12,
            ),
        ),
    },
}


@dataclass(frozen=True)
class DemoUser:
    name: str
    display_name: str
    goal: Goal
    experience_level: ExperienceLevel
    body_weight_kg: float
    height_cm: float
    age: int
    sex: Sex
    preferred_unit: WeightUnit
    dietary_preferences: tuple[str, ...]
    dietary_restrictions: tuple[str, ...]
    timezone: str
    program: str
    menu: str

    @property
    def training_days(self) -> list[int]:
        return sorted(PROGRAMS[self.program])


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        name="demo",
        display_name="Alex",
        goal=Goal.BUILD_MUSCLE,
        experience_level=ExperienceLevel.INTERMEDIATE,
        body_weight_kg=80,
        height_cm=180,
        age=32,
        sex=Sex.MALE,
        preferred_unit=WeightUnit.KG,
        dietary_preferences=("high protein",),
        dietary_restrictions=(),
        timezone="Europe/London",
        program="push_pull_legs_upper_lower",
        menu="omnivore",
    ),
    DemoUser(
        name="maria",
        display_name="Maria",
        goal=Goal.LOSE_FAT,
        experience_level=ExperienceLevel.BEGINNER,
        body_weight_kg=72,
        height_cm=165,
        age=41,
        sex=Sex.FEMALE,
        preferred_unit=WeightUnit.LB,
        dietary_preferences=("vegetarian",),
        dietary_restrictions=("lactose",),
        timezone="America/New_York",
        program="full_body_beginner",
        menu="vegetarian",
    ),
    DemoUser(
        name="kenji",
        display_name="Kenji",
        goal=Goal.STRENGTH,
        experience_level=ExperienceLevel.ADVANCED,
        body_weight_kg=90,
        height_cm=178,
        age=28,
        sex=Sex.MALE,
        preferred_unit=WeightUnit.KG,
        dietary_preferences=("high protein",),
        dietary_restrictions=("peanuts",),
        timezone="Asia/Tokyo",
        program="upper_lower_strength",
        menu="omnivore",
    ),
    DemoUser(
        name="sam",
        display_name="Sam",
        goal=Goal.ENDURANCE,
        experience_level=ExperienceLevel.INTERMEDIATE,
        body_weight_kg=63,
        height_cm=170,
        age=36,
        sex=Sex.UNSPECIFIED,
        preferred_unit=WeightUnit.KG,
        dietary_preferences=("pescatarian",),
        dietary_restrictions=("gluten",),
        timezone="Australia/Sydney",
        program="conditioning",
        menu="pescatarian",
    ),
)

# Synthetic load-test users cycle through these zones.
SYNTHETIC_TIMEZONES = (
    "UTC",
    "Europe/Berlin",
    "America/Chicago",
    "Asia/Singapore",
    "America/Sao_Paulo",
)
