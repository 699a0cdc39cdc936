"""Weights and times as a user reads them: their unit, their time zone.

Everything is stored in kilograms and UTC; these turn a stored value into what a person in
New York who trains in pounds expects to see, and parse what they type back.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fitcoach.errors import InvalidInput

KG_PER_LB = 0.45359237
_CM_PER_INCH = 2.54
UNITS = ("kg", "lb")
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")
_WEIGHT_SUFFIXES = {"": None, "kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb"}
_HEIGHT_SUFFIXES = {"": "cm", "cm": "cm", "in": "in"}


def kg_in(unit: str, weight_kg: float) -> float:
    return weight_kg / KG_PER_LB if unit == "lb" else weight_kg


def kg_from(unit: str, weight: float) -> float:
    return weight * KG_PER_LB if unit == "lb" else weight


def weight_number(weight_kg: float, unit: str) -> float:
    """The weight in `unit`, rounded as a plate-loaded bar reads: 0.1 of a unit."""
    return round(kg_in(unit, weight_kg), 1)


def format_weight(weight_kg: float, unit: str) -> str:
    """'61.2 kg', '135 lb', or 'body weight' for an unloaded movement."""
    if weight_kg == 0:
        return "body weight"
    return f"{weight_number(weight_kg, unit):g} {unit}"


def parse_unit(text: str) -> str:
    unit = text.strip().lower()
    unit = _WEIGHT_SUFFIXES.get(unit) or unit
    if unit not in UNITS:
        raise InvalidInput(f"unit must be kg or lb, not {text[:20]!r}")
    return unit


def parse_zone(name: str) -> ZoneInfo:
    """The IANA time zone called `name`, or a one-line error."""
    cleaned = name.strip()
    try:
        if not cleaned or cleaned.startswith("/") or ".." in cleaned:
            raise ValueError(cleaned)
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name[:40]!r}: use an IANA name like Europe/Berlin or "
            "America/New_York"
        ) from None


def parse_body_weight(text: str, unit: str) -> float:
    """Kilograms from '80', '80kg' or '176 lb' (a bare number is in `unit`)."""
    match = _QUANTITY.match(text.lower())
    suffix = match.group(2) if match else None
    if match is None or suffix not in _WEIGHT_SUFFIXES:
        raise InvalidInput(
            f"body weight must be a positive number like 80 or 176lb, not {text[:20]!r}"
        )
    weight_kg = kg_from(_WEIGHT_SUFFIXES[suffix] or unit, float(match.group(1)))
    if not 20 <= weight_kg <= 400:
        raise InvalidInput("body weight must be between 20 and 400 kg (44 and 880 lb)")
    return round(weight_kg, 3)


def parse_height(text: str) -> float:
    """Centimetres from '180', '180cm' or '71in'."""
    match = _QUANTITY.match(text.lower())
    suffix = match.group(2) if match else None
    if match is None or suffix not in _HEIGHT_SUFFIXES:
        raise InvalidInput(f"height must be a positive number like 180 or 71in, not {text[:20]!r}")
    value = float(match.group(1))
    height_cm = value * _CM_PER_INCH if _HEIGHT_SUFFIXES[suffix] == "in" else value
    if not 50 <= height_cm <= 272:
        raise InvalidInput("height must be between 50 and 272 cm")
    return round(height_cm, 1)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """'2026-11-30 18:03' in the user's zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def parse_day(text: str, option: str = "--date") -> date:
    """A calendar day from YYYY-MM-DD, or a one-line error."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} wants a date like 2026-11-30, not {text[:40]!r}") from None
