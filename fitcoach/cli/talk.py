"""`fitcoach talk`: talk to the coach from this computer's microphone, or type with --text."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

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
    """Lines typed on stdin. Read through the event loop, not a thread blocked in readline(),
    so Ctrl-C ends the conversation at once."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
        )
    except ValueError:  # stdin is a regular file (< script.txt): it never blocks
        for line in await asyncio.to_thread(sys.stdin.readlines):
            yield line
        return
    interactive = sys.stdin.isatty()
    try:
        while True:
            if interactive:
                console.print("[cyan]you>[/] ", end="")
            line = await reader.readline()
            if not line:  # end of input
                return
            yield line.decode("utf-8", errors="replace")
    finally:
        transport.close()


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
        if text:
            from fitcoach.runner.talk import talk_text

            await talk_text(
                settings, user_ref=user, agent_type=agent_type, lines=_stdin_lines(), say=_say
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
            say=_say,
            record_dir=record,
        )

    try:
        run(go)
    except typer.Exit as exit_:
        if exit_.exit_code == 130:  # Ctrl-C is how a conversation ends
            raise typer.Exit(0) from None
        raise
