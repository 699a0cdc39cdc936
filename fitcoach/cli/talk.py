"""`fitcoach talk`: talk to the coach from this computer's microphone, or type with --text."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fitcoach.cli._progress import loading
from fitcoach.cli._run import console, run

if TYPE_CHECKING:
    from fitcoach.config import Settings

_STYLE = {"agent": "bold green", "user": "cyan", "tool": "dim", "info": "dim"}
_LABEL = {"agent": "coach", "user": "you", "tool": "  tool", "info": "  ..."}


def _say(who: str, text: str) -> None:
    from rich.text import Text

    line = Text(f"{_LABEL.get(who, who)}: ", style=_STYLE.get(who, ""))
    line.append(text)
    console.print(line)


async def _stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin, read through the event loop (not a thread stuck in readline(),
    so Ctrl-C ends the conversation at once) and without switching the terminal to
    non-blocking mode, which would break large writes to the same terminal."""
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        data = os.read(fd, 65536)
        if not data:
            loop.remove_reader(fd)  # end of input: stop watching
        chunks.put_nowait(data)

    try:
        loop.add_reader(fd, readable)
    except (
        OSError,
        ValueError,
    ):  # a regular file (< script.txt) cannot be watched; it never blocks
        for line in await asyncio.to_thread(sys.stdin.readlines):
            yield line
        return
    interactive = sys.stdin.isatty()
    pending = b""
    try:
        while True:
            if interactive and b"\n" not in pending:
                console.print("[cyan]you>[/] ", end="")
            while b"\n" not in pending:
                chunk = await chunks.get()
                if not chunk:
                    if pending.strip():
                        yield pending.decode("utf-8", errors="replace")
                    return
                pending += chunk
            line, _, pending = pending.partition(b"\n")
            yield line.decode("utf-8", errors="replace")
    finally:
        loop.remove_reader(fd)


def talk_command(
    user: str = typer.Option("demo", "--user", "-u", help="A user id or name."),
    agent_type: str = typer.Option(
        "general", "--agent-type", help="workout, diet, supplement or general."
    ),
    text: bool = typer.Option(
        False, "--text", help="Type instead of speaking (no audio device needed)."
    ),
    list_devices: bool = typer.Option(False, "--list-devices", help="List audio devices and exit."),
    input_device: str | None = typer.Option(
        None, "--input-device", help="Microphone (index or name)."
    ),
    output_device: str | None = typer.Option(
        None, "--output-device", help="Speaker (index or name)."
    ),
    record: Path | None = typer.Option(
        None, "--record", help="Keep your turns as WAVs, and a report, here."
    ),
) -> None:
    """A live conversation with the coach on this computer. Ctrl-C ends it; logged sets are kept."""

    async def go(settings: Settings) -> None:
        from fitcoach.agent.instructions import AGENT_TYPES
        from fitcoach.errors import InvalidInput

        if agent_type not in AGENT_TYPES:
            raise InvalidInput(f"--agent-type must be one of {', '.join(AGENT_TYPES)}")
        if list_devices:
            from fitcoach.runner.devices import list_devices as devices

            console.print(devices(), markup=False)
            return
        with loading("loading the coach (models, your plan)...") as spinner:

            def say(who: str, line: str) -> None:
                spinner.stop()  # the first words end the wait
                _say(who, line)

            if text:
                from fitcoach.runner.talk import talk_text

                await talk_text(
                    settings, user_ref=user, agent_type=agent_type, lines=_stdin_lines(), say=say
                )
                return
            from fitcoach.runner.devices import SoundDevice
            from fitcoach.runner.talk import talk_audio

            device = SoundDevice(input_device=input_device, output_device=output_device)
            await talk_audio(
                settings,
                user_ref=user,
                agent_type=agent_type,
                device=device,
                say=say,
                record_dir=record,
            )

    run(go, ctrl_c_ends_normally=True)
