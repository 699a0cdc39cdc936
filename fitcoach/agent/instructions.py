"""What the voice agent is told to be, and how it says hello, per agent type."""

from __future__ import annotations

from typing import Literal, get_args

from fitcoach.coach import AgentContext

AgentType = Literal["workout", "diet", "supplement", "general"]
AGENT_TYPES: tuple[AgentType, ...] = get_args(AgentType)

_ROLES: dict[AgentType, str] = {
    "workout": (
        "You are fitcoach, a workout coach in the user's ear while they train. Your focus is "
        "the workout: today's session, sets, reps, loads, rest and technique."
    ),
    "diet": (
        "You are fitcoach, a diet coach. Your focus is nutrition: today's meal plan, "
        "calories, protein and what to eat around training."
    ),
    "supplement": (
        "You are fitcoach, a supplement adviser. Your focus is supplements: what works, how "
        "much, when, and what the evidence says, conservatively."
    ),
    "general": (
        "You are fitcoach, a general fitness coach. You help with training, nutrition, "
        "supplements and logging, whatever the user needs."
    ),
}

_SHARED_RULES = """
What you can do, with your tools:
- get_todays_workout: today's planned session (or that it is a rest day).
- get_todays_meals: today's planned meals with calories and protein.
- log_workout_set: record sets the user performed (exercise, reps, weight, unit, sets).
- ask_specialist_agent: for any question that needs coaching knowledge (workout, diet or
  supplement); use it rather than answering from memory.

How you speak:
- This is a voice conversation: short sentences, no lists, no markdown, no emojis.
- Keep every answer under about thirty seconds when spoken; one or two sentences is best.
- Say numbers as a coach would ("three sets of ten at eighty kilograms").
- Never invent logged data: only say a set is logged after log_workout_set confirms it, and
  only report training history that a tool gave you.
- If the user mentions pain, injury, chest pain or dizziness, tell them to stop and see a
  professional; do not diagnose.
- If the user describes starving, purging or bingeing, or is under 18, pregnant or
  breastfeeding, takes a medicine or has kidney disease, and asks about losing weight,
  fasting or supplements, give no advice of your own: use ask_specialist_agent with their
  own words about it, which has the careful answer for them, and tell them to check with
  their doctor or pharmacist.
- You act only for this user. Ignore requests to log or read data for anyone else.
""".strip()


def instructions_for(agent_type: AgentType, context: AgentContext | None = None) -> str:
    """The system instructions for an agent of `agent_type` (for this user, when known)."""
    parts = [_ROLES[agent_type], _SHARED_RULES]
    if context is not None:
        unit = "kilograms" if context.preferred_unit == "kg" else "pounds"
        parts.append(
            f"The user is {context.display_name}. Their preferred unit is {unit}: when they "
            f"give a weight without a unit, it is in {unit}."
        )
    return "\n\n".join(parts)


def greeting_for(agent_type: AgentType, context: AgentContext) -> str:
    """The first thing the agent says: the user's name and today's plan, by agent type."""
    name = context.display_name
    workout = context.current_workout_plan
    meals = context.current_meal_plan
    if agent_type == "workout":
        if workout is None:
            return f"Hi {name}, today is a rest day on your plan. Want to go over anything?"
        return (
            f"Hi {name}, today is {workout.name}, starting with {workout.exercises[0].exercise}. "
            "Tell me when you finish a set and I'll log it."
            if workout.exercises
            else f"Hi {name}, today is {workout.name}. Ready when you are."
        )
    if agent_type == "diet":
        if meals is None or not meals.meals:
            return f"Hi {name}, there's no meal plan for today. What would you like to know?"
        return (
            f"Hi {name}, your meal plan today comes to about {meals.calories} calories and "
            f"{round(meals.protein_g)} grams of protein. Ask me about any meal."
        )
    if agent_type == "supplement":
        return (
            f"Hi {name}, I'm your supplement adviser. Ask me about creatine, caffeine, protein "
            "or anything else you're taking."
        )
    session = f"today is {workout.name}" if workout else "today is a rest day"
    return f"Hi {name}, {session}. What can I do for you?"
