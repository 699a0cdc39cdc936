"""`fitcoach replay` on a fresh data directory: spoken fixtures through the real agent, the
report's shape, reply audio, expectations, the latency budget and bad audio files."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from fitcoach.cli import app
from fitcoach.runner.audio_files import AudioFileError, load_clip

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TURN_KEYS = {"file", "transcript", "tool_calls", "logged", "reply", "latency"}
LATENCY_KEYS = {"e2e", "mouth_to_ear", "end_of_turn", "transcription", "llm_ttft", "tts_ttfb"}


def _write_wav(
    path: Path, samples: np.ndarray, rate: int, channels: int = 1, width: int = 2
) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def test_replay_reports_turns_writes_sets_and_checks_expectations(tmp_path: Path) -> None:
    chosen = ["03_conv_log_squats.wav", "10_conv_creatine_timing.wav", "56_silence.wav"]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really")
    expectations = yaml.safe_load((FIXTURES / "expectations.yaml").read_text())
    wrong = {name: expectations[name] for name in chosen}
    wrong["10_conv_creatine_timing.wav"] = {
        "expect": {"action": "ask_specialist_agent", "specialist": "diet"}
    }
    wrong["broken.wav"] = {"expect": {"action": "none"}}
    expect_path = tmp_path / "expect.yaml"
    expect_path.write_text(yaml.safe_dump(wrong))
    report_path = tmp_path / "report.json"
    files = [str(FIXTURES / name) for name in chosen[:2]] + [str(broken), str(FIXTURES / chosen[2])]

    result = CliRunner().invoke(
        app,
        [
            "replay",
            *files,
            "--report",
            str(report_path),
            "--out-dir",
            str(tmp_path / "replies"),
            "--expect",
            str(expect_path),
            "--budget-p95",
            "0.001",
        ],
    )

    assert result.exit_code == 1, result.output
    report = json.loads(report_path.read_text())
    assert set(report) >= {"user", "engines", "turns", "summary"}
    assert report["user"]["name"] == "demo" and set(report["engines"]) == {"stt", "llm", "tts"}
    assert [Path(t["file"]).name for t in report["turns"]] == [Path(f).name for f in files]
    for turn in report["turns"]:
        assert set(turn) >= TURN_KEYS and set(turn["latency"]) == LATENCY_KEYS
    squats, creatine, bad, silence = report["turns"]
    assert squats["tool_calls"][0]["name"] == "log_workout_set"
    assert squats["logged"] == [{"exercise": "squat", "reps": 10, "weight_kg": 80.0}] * 3
    assert squats["reply"].startswith("Logged 3 sets of squat")
    assert 0 < squats["latency"]["e2e"] < 10 and 0 < squats["latency"]["mouth_to_ear"] < 10
    assert creatine["tool_calls"][0]["arguments"]["specialist"] == "supplement"
    assert "not an audio file" in bad["error"] or "cannot be decoded" in bad["error"]
    assert (
        silence["tool_calls"] == []
        and silence["transcript"] is None
        and silence["latency"]["e2e"] is None
    )
    assert report["summary"]["turns"] == 4 and report["summary"]["e2e_p50"] > 0
    # Expectations: the deliberately wrong one fails, the broken file's "none" passes.
    checks = report["expectations"]
    assert checks["03_conv_log_squats.wav"]["passed"] and checks["56_silence.wav"]["passed"]
    assert not checks["10_conv_creatine_timing.wav"]["passed"]
    assert "FAIL 10_conv_creatine_timing.wav" in result.stderr
    assert "over the budget" in result.stderr
    assert "broken.wav" in result.stderr and "Traceback" not in result.output + result.stderr
    replies = sorted((tmp_path / "replies").glob("*.wav"))
    assert len(replies) == 2
    with wave.open(str(replies[0])) as reply:
        assert reply.getframerate() == 22050 and reply.getnframes() > 22050 // 2
    # The sets landed like any session's.
    listed = CliRunner().invoke(app, ["logs", "list", "--user", "demo", "--json", "-n", "3"])
    assert {row["exercise"] for row in json.loads(listed.stdout)} == {"squat"}


def test_audio_of_any_common_format_is_converted(tmp_path: Path) -> None:
    # Half a second of tone between silences, the shape of a short utterance.
    burst = (np.sin(np.linspace(0, 2 * np.pi * 220, 24_000)) * 12_000).astype(np.int16)
    tone = np.concatenate([np.zeros(12_000, np.int16), burst, np.zeros(12_000, np.int16)])
    stereo_48k = _write_wav(tmp_path / "stereo.wav", np.repeat(tone, 2), 48_000, channels=2)
    eight_bit = _write_wav(
        tmp_path / "u8.wav", ((tone // 256) + 128).astype(np.uint8), 8_000, width=1
    )
    for path in (stereo_48k, eight_bit):
        clip = load_clip(path)
        assert clip.samples.dtype == np.int16 and clip.last_voiced_s is not None
    assert (
        load_clip(stereo_48k).original_channels == 2
        and load_clip(stereo_48k).original_rate == 48_000
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not an audio file"),
        (b"hello, I am a text file\n" * 10, "not an audio file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not an audio file"),
    ],
)
def test_files_that_are_not_audio_get_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFileError) as caught:
        load_clip(path)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_a_truncated_wav_still_plays_what_it_has(tmp_path: Path) -> None:
    source = FIXTURES / "03_conv_log_squats.wav"
    truncated = tmp_path / "truncated.wav"
    data = source.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    clip = load_clip(truncated)
    assert 0.3 < clip.duration_s < load_clip(source).duration_s


def test_ten_minutes_of_silence_is_cut_to_a_moment(tmp_path: Path) -> None:
    silence = _write_wav(tmp_path / "long.wav", np.zeros(16_000 * 600, dtype=np.int16), 16_000)
    clip = load_clip(silence)
    assert clip.duration_s <= 1.0 and clip.last_voiced_s is None


def test_replay_of_only_bad_files_is_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    result = CliRunner().invoke(app, ["replay", str(tmp_path / "missing.wav"), str(folder)])
    assert result.exit_code == 0, result.output
    assert "missing.wav: no such file" in result.stderr and "is a directory" in result.stderr
    shutil.rmtree(folder)


def test_a_known_miss_is_reported_but_does_not_fail() -> None:
    from fitcoach.runner.expectations import check_turn
    from fitcoach.runner.replay import TurnRecord

    turn = TurnRecord(file="fixtures/28_log_hip_thrust.wav", transcript="Hip for us, 10 reps")
    expect = {
        "action": "log_workout_set",
        "exercise": "hip thrust",
        "known_miss": "heard as hip for us",
    }
    verdict = check_turn(turn, expect)
    assert not verdict.passed and not verdict.failed and verdict.known_miss == "heard as hip for us"
    plain = check_turn(turn, {"action": "log_workout_set"})
    assert plain.failed and "expected log_workout_set, got none" in plain.problems
