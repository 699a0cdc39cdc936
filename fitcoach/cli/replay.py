"""`fitcoach replay`: recorded speech through the real agent, offline."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fitcoach.cli._run import console, error_console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings
    from fitcoach.runner.expectations import Verdict
    from fitcoach.runner.replay import ReplayReport


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _print_report(report: ReplayReport, verdicts: dict[str, Verdict]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"replay for {report.user['name']}: {len(report.turns)} turns")
    for column in ("#", "file", "heard", "action", "reply", "e2e", "mouth-to-ear"):
        table.add_column(column, overflow="fold")
    if verdicts:
        table.add_column("expect")
    for index, turn in enumerate(report.turns, start=1):
        action = turn.action
        if turn.tool_calls and turn.action == "log_workout_set":
            action += f" ({len(turn.logged)} written)"
        elif turn.tool_calls and turn.action == "ask_specialist_agent":
            action += f" ({turn.tool_calls[0].arguments.get('specialist')})"
        row: list[Any] = [
            str(index),
            Path(turn.file).name,
            Text(turn.transcript or ("(error)" if turn.error else "(nothing)")),
            action,
            Text(turn.error or turn.reply or "-"),
            _seconds(turn.latency["e2e"]),
            _seconds(turn.latency["mouth_to_ear"]),
        ]
        if verdicts:
            verdict = verdicts.get(Path(turn.file).name)
            if verdict is not None and verdict.passed:
                row.append("[green]pass[/]")
            elif verdict is not None and verdict.known_miss:
                row.append("[yellow]known miss[/]")
            else:
                row.append("[red]FAIL[/]")
        table.add_row(*row)
    console.print(table)
    summary = report.summary()
    console.print(
        f"e2e p50 {_seconds(summary['e2e_p50'])}, p95 {_seconds(summary['e2e_p95'])}; "
        f"mouth-to-ear p50 {_seconds(summary['mouth_to_ear_p50'])}, "
        f"p95 {_seconds(summary['mouth_to_ear_p95'])}",
        markup=False,
    )


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def replay_command(
    files: list[Path] = typer.Argument(
        ..., help="WAV (or other audio) files, one user turn each, in order."
    ),
    user: str = typer.Option(
        "demo", "--user", "-u", help="A user id or name (demo is created if missing)."
    ),
    agent_type: str = typer.Option(
        "general", "--agent-type", help="workout, diet, supplement or general."
    ),
    report_path: Path | None = typer.Option(None, "--report", help="Write the JSON report here."),
    out_dir: Path | None = typer.Option(None, "--out-dir", help="Write each reply as a WAV here."),
    expect: Path | None = typer.Option(
        None, "--expect", help="YAML/JSON of expected outcomes per file."
    ),
    budget_p95: float | None = typer.Option(
        None, "--budget-p95", min=0.0, help="Fail when the e2e p95 exceeds this many seconds."
    ),
    turn_profile: str = typer.Option(
        "tuned",
        "--turn-profile",
        help="tuned (fitcoach's turn handling) or default (the framework's, for comparison).",
    ),
) -> None:
    """Replay recorded speech through the real agent and report transcripts, actions,
    replies and per-turn latency."""
    from fitcoach.errors import InvalidInput

    async def go(settings: Settings) -> int:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from fitcoach.agent.instructions import AGENT_TYPES
        from fitcoach.agent.turn_profile import PROFILES
        from fitcoach.runner.expectations import judge_replay, load_expectations
        from fitcoach.runner.replay import replay, write_reply_audio

        if agent_type not in AGENT_TYPES:
            raise InvalidInput(f"--agent-type must be one of {', '.join(AGENT_TYPES)}")
        if turn_profile not in PROFILES:
            raise InvalidInput(f"--turn-profile must be one of {', '.join(PROFILES)}")
        expectations = load_expectations(expect) if expect is not None else None
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=error_console,
            transient=True,
        ) as progress:
            task = progress.add_task("loading engines", total=len(files))

            def update(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            report = await replay(
                list(files),
                settings=settings,
                user_ref=user,
                agent_type=agent_type,
                progress=update,
                profile=PROFILES[turn_profile],
            )
        judgement = judge_replay(report, expectations, budget_p95=budget_p95)
        verdicts = judgement.verdicts
        for turn in report.turns:
            if turn.error:
                error_console.print(f"{Path(turn.file).name}: {turn.error}", markup=False)
        _print_report(report, verdicts)
        payload = report.to_json()
        if verdicts:
            payload["expectations"] = {
                name: {"passed": v.passed, "problems": v.problems, "known_miss": v.known_miss}
                for name, v in verdicts.items()
            }
        if report_path is not None:
            await asyncio.to_thread(_write_json, report_path, payload)
        if out_dir is not None:
            written = await asyncio.to_thread(write_reply_audio, report, out_dir)
            console.print(f"{len(written)} reply WAVs in {out_dir}", markup=False)
        for verdict in judgement.failed:
            error_console.print(f"FAIL {verdict.file}: {'; '.join(verdict.problems)}", markup=False)
        for verdict in judgement.known_misses:
            console.print(f"known miss {verdict.file}: {verdict.known_miss}", markup=False)
        if verdicts:
            console.print(
                f"expectations: {judgement.passed}/{len(verdicts)} passed, "
                f"{len(judgement.known_misses)} known misses, {len(judgement.failed)} failed",
                markup=False,
            )
        if judgement.over_budget:
            error_console.print(
                f"e2e p95 {_seconds(judgement.e2e_p95)} is over the budget of {budget_p95:.2f} s",
                markup=False,
            )
        return judgement.status

    status = run(go)
    if status:
        raise typer.Exit(status)
