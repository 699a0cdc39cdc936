"""Room metadata a LiveKit room can carry: it names the user a worker job is for.

"refused": parse_room_metadata raises InvalidRoomMetadata with a printable one-line reason
under 500 characters (containing `detail` when given); "unknown-user": it parses, and
loading the user's context says there is no such user; "accepted": the user's context loads.
"""

from __future__ import annotations

import json
import random
import uuid

from fitcoach.agent.metadata import MAX_METADATA_BYTES, InvalidRoomMetadata, parse_room_metadata
from fitcoach.coach import load_agent_context
from fitcoach.errors import UserNotFound
from fitcoach.store import Database, user_id_for
from tests.hostile import Case, Outcome, crashed, judged

OUTCOMES = ("accepted", "refused", "unknown-user")
DEMO = str(user_id_for("demo"))


def _meta(**fields: object) -> str:
    return json.dumps(fields)


def _not_json() -> list[Case]:
    raw = [
        "not json",
        "{",
        "}",
        "{user_id: 1}",
        "{'user_id': '" + DEMO + "'}",
        '{"user_id": "' + DEMO + '",}',
        '{"user_id": "' + DEMO + '"',
        '{"user_id": "' + DEMO + '"} trailing',
        '{"user_id": "' + DEMO + '"}{"user_id": "' + DEMO + '"}',
        "\ufeff" + _meta(user_id=DEMO),
        "\x00",
        "\x00" * 100,
        "<room><user_id>" + DEMO + "</user_id></room>",
        "user_id=" + DEMO,
        "eyJ1c2VyX2lkIjogIjEifQ==",
        '{"user_id": "' + DEMO + '\n"}',
        '{"user_id": NaN}',
        "[" * 30_000 + "]" * 30_000,
        '{"a":' * 20_000 + "1" + "}" * 20_000,
        "\\u0000",
        '{"user_id": "\\ud800"',
        "--",
        "/* */",
    ]
    cases = [Case(f"not JSON #{i}", text, "refused", None) for i, text in enumerate(raw)]
    for text in ("", " ", "\n\t  \r\n"):
        cases.append(Case(f"blank {text!r}", text, "refused", "empty"))
    cases.append(Case("no metadata at all", None, "refused", "empty"))
    for text in ("null", "true", "42", "-1.5e300", '"' + DEMO + '"', "[]", "[{}]", "NaN"):
        cases.append(Case(f"JSON but not an object: {text[:20]}", text, "refused", "object"))
    return cases


def _wrong_types() -> list[Case]:
    cases = []
    for value in (42, 4.2, True, False, None, [], [DEMO], {}, {"id": DEMO}, -1, 10**40):
        cases.append(Case(f"user_id {value!r:.20}", _meta(user_id=value), "refused", "user_id"))
    bad_agent_types = (1, [], {}, True, "", "WORKOUT", " workout", "workout\n", "chef", "admin")
    lookalikes = ("__proto__", "constructor", "ｗｏｒｋｏｕｔ", "wörkout", "diet; rm -rf /")
    for value in (*bad_agent_types, *lookalikes):
        cases.append(
            Case(
                f"agent_type {value!r}",
                _meta(user_id=DEMO, agent_type=value),
                "refused",
                "agent_type",
            )
        )
    for field, value in (
        ("session_type", 123),
        ("session_type", ["voice"]),
        ("session_type", "v" * 51),
        ("created_at", "yesterday"),
        ("created_at", 1e20),
        ("created_at", "2026-13-45T99:99:99Z"),
        ("created_at", {"date": "today"}),
    ):
        cases.append(
            Case(f"{field} {value!r:.20}", _meta(user_id=DEMO, **{field: value}), "refused", field)
        )
    return cases


def _missing_user() -> list[Case]:
    shapes = [
        {},
        {"agent_type": "diet"},
        {"userId": DEMO},
        {"user": DEMO},
        {"USER_ID": DEMO},
        {"user_id ": DEMO},
        {"\u200buser_id": DEMO},
        {"user_ıd": DEMO},
        {"metadata": {"user_id": DEMO}},
    ]
    return [
        Case(f"missing user_id {shape}", json.dumps(shape), "refused", "user_id: Field required")
        for shape in shapes
    ]


def _not_uuids() -> list[Case]:
    values = [
        "",
        " ",
        "12345",
        "demo",
        DEMO[:-1],
        DEMO + "0",
        " " + DEMO,
        DEMO + "\n",
        DEMO.replace("a", "а"),  # Cyrillic a
        DEMO.replace("1", "１"),  # fullwidth 1
        DEMO[:8] + "\u200b" + DEMO[8:],
        "\u202e" + DEMO,
        "'; DROP TABLE users; --",
        "../../etc/passwd",
        "%00",
        "${jndi:ldap://127.0.0.1/a}",
        "{{7*7}}",
        "<script>alert(1)</script>",
        "\x1b[2J\x1b[H",
        "line one\nline two",
        "\ud800",
        "😀" * 36,
        "null",
    ]
    return [
        Case(f"user_id not a UUID {value!r:.30}", _meta(user_id=value), "refused", "user_id")
        for value in values
    ]


def _unknown_users(rng: random.Random) -> list[Case]:
    cases = [
        Case(
            f"unknown random user #{i}",
            _meta(user_id=str(uuid.UUID(int=rng.getrandbits(128), version=4))),
            "unknown-user",
        )
        for i in range(12)
    ]
    for name, value in (
        ("nil UUID", "00000000-0000-0000-0000-000000000000"),
        ("max UUID", "ffffffff-ffff-ffff-ffff-ffffffffffff"),
        ("demo's id off by one", str(uuid.UUID(int=uuid.UUID(DEMO).int + 1))),
        ("a time-based UUID", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
        ("uppercase unknown", str(uuid.UUID(int=rng.getrandbits(128))).upper()),
    ):
        cases.append(Case(name, _meta(user_id=value, agent_type="workout"), "unknown-user"))
    return cases


def _huge() -> list[Case]:
    over = MAX_METADATA_BYTES + 1
    return [
        Case("user_id of 60 kB", _meta(user_id="9" * 60_000), "refused", "user_id"),
        Case("user_id of 70 kB", _meta(user_id="9" * 70_000), "refused", "larger than"),
        Case("1 MB of spaces", " " * 1_000_000 + _meta(user_id=DEMO), "refused", "larger than"),
        Case("agent_type of 60 kB", _meta(user_id=DEMO, agent_type="w" * 60_000), "refused"),
        Case("emoji user_id over the limit", _meta(user_id="😀" * 20_000), "refused", "larger"),
        Case("exactly one byte over", "x" * over, "refused", "larger than"),
        Case(
            "3000 extra keys, still under the limit",
            json.dumps({"user_id": DEMO, **{f"k{i}": i for i in range(3000)}}),
            "accepted",
        ),
        Case(
            "a 60 kB extra field is ignored",
            _meta(user_id=DEMO, notes="n" * 60_000),
            "accepted",
        ),
        Case(
            "padded to just under the limit",
            _meta(user_id=DEMO).ljust(MAX_METADATA_BYTES - 1),
            "accepted",
        ),
    ]


def _unicode() -> list[Case]:
    cases = []
    for value in ("🏋️", "\u202ediet", "סקוואט", "قرفصاء", "\u0000", "e\u0301", "\uffff"):
        cases.append(
            Case(
                f"agent_type {value!r}",
                _meta(user_id=DEMO, agent_type=value),
                "refused",
                "agent_type",
            )
        )
    for value in ("😀", "\u202e", "\u2028", "\udfff", "\U0010ffff", "ǅ"):
        cases.append(Case(f"user_id {value!r}", _meta(user_id=value), "refused", "user_id"))
    extras = {"name": "Ünïcödé 名前 🏋️", "rtl": "\u202eevil", "zw": "a\u200bb", "nul": "\u0000"}
    for key, value in extras.items():
        cases.append(Case(f"unicode extra {key}", _meta(user_id=DEMO, **{key: value}), "accepted"))
    cases.append(
        Case("raw lone surrogate in the text", '{"user_id": "\ud800"}', "refused", "user_id")
    )
    return cases


def _valid() -> list[Case]:
    cases = [Case("minimal", _meta(user_id=DEMO), "accepted")]
    for agent_type in ("workout", "diet", "supplement", "general", None):
        cases.append(
            Case(f"agent_type {agent_type}", _meta(user_id=DEMO, agent_type=agent_type), "accepted")
        )
    for name in ("maria", "kenji", "sam"):
        cases.append(Case(f"user {name}", _meta(user_id=str(user_id_for(name))), "accepted"))
    full = {
        "user_id": DEMO,
        "agent_type": "diet",
        "session_type": "voice",
        "created_at": "2026-02-02T10:30:00Z",
    }
    cases += [
        Case("every field", json.dumps(full), "accepted"),
        Case("pretty-printed", json.dumps(full, indent=4), "accepted"),
        Case("uppercase id", _meta(user_id=DEMO.upper()), "accepted"),
        Case("id without dashes", _meta(user_id=DEMO.replace("-", "")), "accepted"),
        Case("id in braces", _meta(user_id="{" + DEMO + "}"), "accepted"),
        Case("urn form", _meta(user_id="urn:uuid:" + DEMO), "accepted"),
        Case(
            "duplicate key: the last one counts",
            '{"user_id": "nonsense", "user_id": "' + DEMO + '"}',
            "accepted",
        ),
        Case("created_at before 1970", _meta(user_id=DEMO, created_at=-1), "accepted"),
    ]
    return cases


def _fuzz(rng: random.Random, count: int = 40) -> list[Case]:
    """Valid metadata with bytes flipped, cut or duplicated at random: anything but a crash."""
    base = json.dumps(
        {"user_id": DEMO, "agent_type": "workout", "session_type": "voice", "created_at": "2026"}
    )
    cases = []
    for i in range(count):
        text = list(base)
        for _ in range(rng.randint(1, 4)):
            where = rng.randrange(len(text))
            action = rng.choice(("flip", "cut", "dup", "insert"))
            if action == "flip":
                text[where] = chr(rng.choice((rng.randrange(32, 127), rng.randrange(0x80, 0x3000))))
            elif action == "cut":
                del text[where:]
                if not text:
                    text = ["{"]
            elif action == "dup":
                text.insert(where, text[where])
            else:
                text.insert(where, rng.choice('{}[]":,\\\x00\u202e'))
        cases.append(Case(f"fuzz #{i}", "".join(text), "either"))
    return cases


def cases(seed: int = 15) -> list[Case]:
    rng = random.Random(seed)
    return [
        *_not_json(),
        *_wrong_types(),
        *_missing_user(),
        *_not_uuids(),
        *_unknown_users(rng),
        *_huge(),
        *_unicode(),
        *_valid(),
        *_fuzz(rng),
    ]


async def run(table: list[Case], database: Database) -> list[Outcome]:
    """Parse each case's metadata as the worker does, and load the user it names."""
    outcomes = []
    for case in table:
        try:
            outcomes.append(await _one(case, database))
        except Exception as exc:
            outcomes.append(crashed(case, exc))
    return outcomes


async def _one(case: Case, database: Database) -> Outcome:
    try:
        metadata = parse_room_metadata(case.payload)
    except InvalidRoomMetadata as exc:
        reason = str(exc)
        if len(reason) >= 500 or not reason.isprintable():
            return Outcome(case, "refused", False, f"unfit reason {reason[:80]!r}")
        if case.detail is not None and case.detail not in reason:
            return Outcome(case, "refused", False, f"reason {reason[:120]!r}")
        return judged(case, "refused", OUTCOMES)
    try:
        context = await load_agent_context(database, metadata.user_id)
    except UserNotFound as exc:
        return judged(case, "unknown-user", OUTCOMES, str(exc)[:80])
    if context.user_id != metadata.user_id:
        return Outcome(case, "accepted", False, "loaded someone else's context")
    return judged(case, "accepted", OUTCOMES)
