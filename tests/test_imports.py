"""`fitcoach --help` and `--version` stay instant: no heavy library is imported for them."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "livekit",
    "torch",
    "onnxruntime",
    "faster_whisper",
    "piper",
    "sounddevice",
    "numpy",
    "langchain",
    "langgraph",
    "sqlalchemy",
    "asyncpg",
    "av",
    "ctranslate2",
)

PROBE = """
import runpy, sys
sys.argv = ["fitcoach", *sys.argv[1:]]
try:
    runpy.run_module("fitcoach", run_name="__main__")
except SystemExit:
    pass
roots = {name.split(".")[0] for name in sys.modules}
sys.stderr.write("IMPORTED " + " ".join(sorted(roots)) + "\\n")
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["logs", "--help"], ["db", "--help"]])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip()
    imported = set(result.stderr.rsplit("IMPORTED ", 1)[1].split())
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
