"""Reading a child process's output line by line without waiting forever for a dead child.

At end of file `readline()` returns b"" at once, every time: a loop waiting for a line that
can never come then spins until something kills the test run. `next_line` turns end of file
into a failure that shows why the child stopped (its exit code and the end of its stderr).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

STDERR_TAIL = 3000


async def next_line(
    process: asyncio.subprocess.Process,
    *,
    within_s: float,
    waiting_for: str,
    stderr_file: Path | None = None,
) -> bytes:
    """The child's next line of stdout; fails the test when the child has ended instead."""
    assert process.stdout is not None, "start the child with stdout=PIPE"
    line = await asyncio.wait_for(process.stdout.readline(), within_s)
    if line:
        return line
    code = await asyncio.wait_for(process.wait(), 30)
    pytest.fail(
        f"the child process ended (exit code {code}) while the test waited for {waiting_for}; "
        f"its stderr ends with:\n{await _stderr_tail(process, stderr_file)}"
    )


async def _stderr_tail(process: asyncio.subprocess.Process, stderr_file: Path | None) -> str:
    if stderr_file is not None:
        data = stderr_file.read_bytes()
    elif process.stderr is not None:
        data = await asyncio.wait_for(process.stderr.read(), 30)
    else:
        return "(stderr was not captured)"
    return data.decode(errors="replace")[-STDERR_TAIL:] or "(nothing)"
