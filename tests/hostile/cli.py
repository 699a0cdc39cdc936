"""Bad command lines and settings, run in-process through Typer's CliRunner.

"error": one line on stderr starting "error: ", an exit code from `detail` (2 a bad setting
or option, 3 the database, 4 the user), no traceback, and the password planted in the case
nowhere in the output. Exit 70 ("unexpected ...") is one line too, but not handled.
"usage": the option parser's own message (Typer's usage box), exit 2, no traceback.
"ok": exit 0 (what looks hostile but is fine, e.g. a name in capitals).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.config import Settings
from tests.hostile import Case, Outcome, crashed, judged

OUTCOMES = ("error", "usage", "ok")
PASSWORD = "Hostile-Pa55word-8841"
SETTINGS_ENV = [name.upper() for name in Settings.model_fields] + [
    "FITCOACH_DATA_DIR",
    "FITCOACH_LOG_LEVEL",
    "FITCOACH_DEBUG",
]


def _urls(folder: Path) -> list[Case]:
    text_file = folder / "not-a-database.db"
    text_file.write_text("this is not SQLite\n" * 100)
    (folder / "a-directory.db").mkdir(exist_ok=True)
    pw = PASSWORD
    urls = [
        f"postgresql://coach:{pw}@127.0.0.1:1/fitness",
        f"postgresql+asyncpg://coach:{pw}@127.0.0.1:1/fitness",
        f"postgres://coach:{pw}@nohost.invalid/fitness",
        f"mysql://coach:{pw}@127.0.0.1/fitness",
        f"postgresql://coach:{pw}@host:notaport/fitness",
        f"not a url at all {pw}",
        f"postgresql://coach:{pw}@127.0.0.1",
        "sqlite:////proc/no/such/dir/fitcoach.db",
        f"http://coach:{pw}@127.0.0.1/fitness",
        f"redis://:{pw}@127.0.0.1:6379/0",
        f"postgresql://coach:{pw}@[::1/fitness",
        f"postgresql://coach:{pw}@127.0.0.1:99999/fitness",
        f"postgresql://no_such_role_x:{pw}@127.0.0.1:5432/test",
        f"postgresql://postgres:{pw}@127.0.0.1:5432/fitcoach_no_such_database",
        f"postgresql://coach:{pw}{'P' * 10_000}@127.0.0.1:1/fitness",
        f"postgresql://coach:{pw}@pøstgres.invalid/fitness",
        f"sqlite:///{folder / 'a-directory.db'}",
        f"sqlite:///{text_file}",
        f"sqlite:///{folder / ('n' * 300 + '.db')}",
        f"postgresql://coach:{pw}@127.0.0.1:1/fitness?sslmode=bogus",
        f"postgresql://coach:{pw}@127.0.0.1:1/fitness?sslmode=require",
        f"postgresql://postgres:{pw}@127.0.0.1:5432/fitcoach_no_such_db?sslmode=disable",
        f"postgresql://postgres:{pw}@127.0.0.1:5432/fitcoach_no_such_db?sslmode=require",
        f"postgresql://coach:{pw}@127.0.0.1:1/fitness?application_name=x&password={pw}",
        f"  postgresql://coach:{pw}@127.0.0.1:1/fitness  ",
        f"postgresql://coach:{pw}@127.0.0.1:1/fitness\n",
    ]
    return [
        Case(
            f"DATABASE_URL {url[:50]!r}",
            (["users", "list"], {"DATABASE_URL": url}),
            "error",
            (2, 3),
        )
        for url in urls
    ]


def _users() -> list[Case]:
    logs = ["logs", "list", "--user"]
    unknown = [
        "nobody",
        str(uuid.UUID(int=12345, version=4)),
        "00000000-0000-0000-0000-000000000000",
        "",
        "   ",
        "x" * 10_000,
        "demo' OR '1'='1",
        "%",
        "_",
        "*",
        "[bold red]demo[/]",
        "../demo",
        "😀",
        "\u202eomed",
        "de\u200bmo",
        "ｄｅｍｏ",
    ]
    cases = [
        Case(f"unknown user {name[:30]!r}", ([*logs, name], {}), "error", (4,)) for name in unknown
    ]
    cases += [
        Case(f"ambiguous name {name!r}", ([*logs, name], {}), "error", (4,))
        for name in ("jo", "JO", " Jo ")
    ]
    cases += [
        Case(f"a name that is fine {name!r}", ([*logs, name, "-n", "1"], {}), "ok")
        for name in ("DEMO", " demo ", "demo\n", "Maria")
    ]
    cases += [
        Case("tail for nobody", (["logs", "tail", "--user", "nobody"], {}), "error", (4,)),
        Case(
            "talk for nobody",
            (["talk", "--text", "--user", "nobody"], {}),
            "error",
            (4,),
        ),
    ]
    return cases


def _files(folder: Path) -> list[Case]:
    (folder / "bad.yaml").write_text("a: [\n")
    (folder / "list.yaml").write_text("- a\n- b\n")
    (folder / "garbage.yaml").write_bytes(b"\xff\xfe\x00garbage\x00" * 50)
    (folder / "shape.json").write_text('{"x.wav": 5}')
    (folder / "no-action.yaml").write_text("x.wav:\n  expect:\n    action: dance\n")
    (folder / "expect-dir.yaml").mkdir(exist_ok=True)
    speech = str(folder / "anything.wav")
    expect = {
        "a missing expectations file": "missing.yaml",
        "expectations that are a directory": "expect-dir.yaml",
        "expectations that are not YAML": "bad.yaml",
        "expectations that are a list": "list.yaml",
        "expectations that are binary": "garbage.yaml",
        "expectations of the wrong shape": "shape.json",
        "an unknown expected action": "no-action.yaml",
    }
    cases = [
        Case(name, (["replay", speech, "--expect", str(folder / file)], {}), "error", (2,))
        for name, file in expect.items()
    ]
    cases += [
        Case(
            "replay with an unknown agent type",
            (["replay", speech, "--agent-type", "chef"], {}),
            "error",
            (2,),
        ),
        Case(
            "replay with an unknown turn profile",
            (["replay", speech, "--turn-profile", "fastest"], {}),
            "error",
            (2,),
        ),
        Case(
            "talk with an unknown agent type",
            (["talk", "--text", "--user", "demo", "--agent-type", "chef"], {}),
            "error",
            (2,),
        ),
    ]
    return cases


def _options() -> list[Case]:
    usage = [
        ["logs", "list", "--limit", "0"],
        ["logs", "list", "--limit", "-5"],
        ["logs", "list", "--limit", "lots"],
        ["seed", "--users", "-1"],
        ["seed", "--users", "100000000"],
        ["logs", "lsit"],
        ["db", "downgrade"],
        ["users", "list", "extra-argument"],
        ["replay"],
        ["replay", "x.wav", "--budget-p95", "-1"],
        ["--no-such-option"],
    ]
    cases = [Case(f"usage {' '.join(args)!r}", (args, {}), "usage") for args in usage]
    cases += [
        Case(
            "--since not a date", (["logs", "list", "--since", "last tuesday"], {}), "error", (2,)
        ),
        Case("--since 13th month", (["logs", "list", "--since", "2026-13-45"], {}), "error", (2,)),
        Case("migrate to no such revision", (["db", "upgrade", "nonexistent"], {}), "error", (2,)),
        Case(
            "an unknown provider",
            (["config"], {"VOICE_LLM_PROVIDER": "skynet"}),
            "error",
            (2,),
        ),
        Case(
            "a negative cache TTL",
            (["config"], {"VOICE_CONTEXT_CACHE_TTL": "-5"}),
            "error",
            (2,),
        ),
        Case(
            "a health port that is not a number",
            (["config"], {"FITCOACH_HEALTH_PORT": "eighty"}),
            "error",
            (2,),
        ),
    ]
    return cases


def cases(folder: Path) -> list[Case]:
    """The table; files the cases read are written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return [*_urls(folder), *_users(), *_files(folder), *_options()]


def isolated_env(**settings: str) -> dict[str, str | None]:
    """An environment for CliRunner with no fitcoach setting but `settings` (None unsets)."""
    env: dict[str, str | None] = dict.fromkeys(SETTINGS_ENV)
    env.update(settings)
    return env


def run(table: list[Case], env: Mapping[str, str | None]) -> list[Outcome]:
    """Each case's command with `env` (a seeded database, twin users named jo/Jo) plus its
    own settings."""
    runner = CliRunner()
    outcomes = []
    for case in table:
        args, overrides = case.payload
        try:
            result = runner.invoke(app, args, env={**env, **overrides})
            outcomes.append(_judge(case, result.exit_code, result.stdout, result.stderr))
        except Exception as exc:
            outcomes.append(crashed(case, exc))
    return outcomes


def _judge(case: Case, code: int, out: str, err: str) -> Outcome:
    everything = out + err
    if "Traceback" in everything:
        return Outcome(case, "crash", False, err[-300:])
    if PASSWORD in everything:
        return Outcome(case, "leak", False, "the password is in the output")
    lines = [line for line in err.splitlines() if line.strip()]
    if code == 0:
        got, fine = "ok", True
    elif len(lines) == 1 and lines[0].startswith("error: "):
        allowed = case.detail if case.expect == "error" else ()
        got, fine = "error", code in allowed and len(lines[0]) < 1000  # no 10 kB echo
    elif code == 2 and ("Error" in err or "Usage:" in err):
        got, fine = "usage", True
    else:
        got, fine = f"exit {code}", False
    if not fine:
        return Outcome(case, got, False, f"exit {code}: {err.strip()[:160]!r}")
    return judged(case, got, OUTCOMES)
