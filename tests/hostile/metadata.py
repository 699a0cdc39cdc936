"""Room metadata a LiveKit room can carry: the coach asked for, and maybe a user claim.

The user a job serves comes from the participant's token; metadata may name one only with
the backend's signature. "refused": parse_room_metadata raises InvalidRoomMetadata, or the
user it names is not signed for this room by the shared secret (IdentityRefused), with a
printable one-line reason under 500 characters (containing `detail` when given);
"unknown-user": a validly signed claim names a user the database does not have (loading
their context says so); "accepted": it parses, and a signed claim's user context loads.
"""

from __future__ import annotations

import json
import random
import uuid

from fitcoach.agent.identity import IdentityRefused, sign_user_claim, verified_claim
from fitcoach.agent.metadata import MAX_METADATA_BYTES, InvalidRoomMetadata, parse_room_metadata
from fitcoach.coach import load_agent_context
from fitcoach.errors import UserNotFound
from fitcoach.store import Database, user_id_for
from tests.hostile import Case, Outcome, crashed, judged

OUTCOMES = ("accepted", "refused", "unknown-user")
DEMO = str(user_id_for("demo"))
ROOM = "hostile-room"
SECRET = "the-backend-and-the-worker-share-this-1"


def _meta(**fields: object) -> str:
    return json.dumps(fields)


def _signed(user_id: str, **fields: object) -> str:
    """Metadata naming `user_id` with the backend's signature for ROOM."""
    return json.dumps(
        {**fields, **sign_user_claim(uuid.UUID(user_id), ROOM, secret=SECRET, ttl_s=600)}
    )


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
    # Nothing asked for: the general coach, for whoever the token proves.
    for text in ("", " ", "\n\t  \r\n"):
        cases.append(Case(f"blank {text!r}", text, "accepted"))
    cases.append(Case("no metadata at all", None, "accepted"))
    for text in ("null", "true", "42", "-1.5e300", '"' + DEMO + '"', "[]", "[{}]", "NaN"):
        cases.append(Case(f"JSON but not an object: {text[:20]}", text, "refused", "object"))
    return cases


def _wrong_types() -> list[Case]:
    cases = []
    for value in (42, 4.2, True, False, [], [DEMO], {}, {"id": DEMO}, -1, 10**40):
        cases.append(Case(f"user_id {value!r:.20}", _meta(user_id=value), "refused", "user_id"))
    cases.append(Case("user_id null: nobody named", _meta(user_id=None), "accepted"))
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
    # The user comes from the participant's token: metadata without one is the normal case.
    return [Case(f"no user_id {shape}", json.dumps(shape), "accepted") for shape in shapes]


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
            _signed(str(uuid.UUID(int=rng.getrandbits(128), version=4))),
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
        cases.append(Case(name, _signed(value, agent_type="workout"), "unknown-user"))
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
            _signed(DEMO, **{f"k{i}": i for i in range(3000)}),
            "accepted",
        ),
        Case(
            "a 60 kB extra field is ignored",
            _signed(DEMO, notes="n" * 60_000),
            "accepted",
        ),
        Case(
            "padded to just under the limit",
            _signed(DEMO).ljust(MAX_METADATA_BYTES - 1),
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
        cases.append(Case(f"unicode extra {key}", _signed(DEMO, **{key: value}), "accepted"))
    cases.append(
        Case("raw lone surrogate in the text", '{"user_id": "\ud800"}', "refused", "user_id")
    )
    return cases


def _signed_as(written: str, **fields: object) -> str:
    """The demo user's signed claim, with the id written another way."""
    return json.dumps({**json.loads(_signed(DEMO, **fields)), "user_id": written})


def _valid() -> list[Case]:
    cases = [
        Case("only the coach asked for", _meta(agent_type="diet"), "accepted"),
        Case("minimal signed claim", _signed(DEMO), "accepted"),
    ]
    for agent_type in ("workout", "diet", "supplement", "general", None):
        cases.append(
            Case(f"agent_type {agent_type}", _signed(DEMO, agent_type=agent_type), "accepted")
        )
    for name in ("maria", "kenji", "sam"):
        cases.append(Case(f"user {name}", _signed(str(user_id_for(name))), "accepted"))
    full = {"agent_type": "diet", "session_type": "voice", "created_at": "2026-02-02T10:30:00Z"}
    cases += [
        Case("every field", _signed(DEMO, **full), "accepted"),
        Case("pretty-printed", json.dumps(json.loads(_signed(DEMO, **full)), indent=4), "accepted"),
        Case("uppercase id", _signed_as(DEMO.upper()), "accepted"),
        Case("id without dashes", _signed_as(DEMO.replace("-", "")), "accepted"),
        Case("id in braces", _signed_as("{" + DEMO + "}"), "accepted"),
        Case("urn form", _signed_as("urn:uuid:" + DEMO), "accepted"),
        Case("created_at before 1970", _signed(DEMO, created_at=-1), "accepted"),
    ]
    return cases


def _forged() -> list[Case]:
    """Metadata that names a user without the backend's valid signature for this room."""
    maria = str(user_id_for("maria"))
    claim = json.loads(_signed(DEMO))
    stale = {**claim, "user_claim_expires_at": 1}
    return [
        Case("unsigned user", _meta(user_id=DEMO), "refused", "signature"),
        Case("unsigned user with a coach", _meta(user_id=DEMO, agent_type="diet"), "refused"),
        Case("another user under the demo user's signature", _signed_as(maria), "refused"),
        Case(
            "signature of another secret",
            json.dumps(
                {**claim, **sign_user_claim(uuid.UUID(DEMO), ROOM, secret="x" * 40, ttl_s=60)}
            ),
            "refused",
            "does not match",
        ),
        Case(
            "signature for another room",
            json.dumps(
                {**claim, **sign_user_claim(uuid.UUID(DEMO), "other", secret=SECRET, ttl_s=60)}
            ),
            "refused",
            "does not match",
        ),
        Case("expiry moved", json.dumps({**claim, "user_claim_expires_at": 2**39}), "refused"),
        Case("expired claim", json.dumps(stale), "refused"),
        Case(
            "signature only", _meta(user_claim_signature=claim["user_claim_signature"]), "accepted"
        ),
        Case(
            "signature of 10 kB",
            _meta(user_id=DEMO, user_claim_expires_at=2**30, user_claim_signature="f" * 10_000),
            "refused",
            "user_claim_signature",
        ),
        Case(
            "duplicate user_id key after signing",
            '{"user_id": "' + maria + '", ' + _signed(DEMO)[1:],
            "accepted",  # JSON's last key counts: the signed demo user, not Maria
        ),
    ]


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
        *_forged(),
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
        if metadata.user_id is not None:
            verified_claim(
                user_id=metadata.user_id,
                room=ROOM,
                expires_at=metadata.user_claim_expires_at,
                signature=metadata.user_claim_signature,
                secret=SECRET,
            )
    except (InvalidRoomMetadata, IdentityRefused) as exc:
        reason = str(exc)
        if len(reason) >= 500 or not reason.isprintable():
            return Outcome(case, "refused", False, f"unfit reason {reason[:80]!r}")
        if case.detail is not None and case.detail not in reason:
            return Outcome(case, "refused", False, f"reason {reason[:120]!r}")
        return judged(case, "refused", OUTCOMES)
    if metadata.user_id is None:
        return judged(case, "accepted", OUTCOMES)  # the token names the user
    try:
        context = await load_agent_context(database, metadata.user_id)
    except UserNotFound as exc:
        return judged(case, "unknown-user", OUTCOMES, str(exc)[:80])
    if context.user_id != metadata.user_id:
        return Outcome(case, "accepted", False, "loaded someone else's context")
    return judged(case, "accepted", OUTCOMES)
