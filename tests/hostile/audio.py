"""Files handed to `fitcoach replay`, written into a folder: what load_clip makes of them.

"clip": a replayable clip (16 kHz mono int16, whole 20 ms frames, at most two minutes plus
the kept silence); "refused": AudioFileError with a one-line reason naming the file;
"either" (garbage a decoder might take for some format): one of the two, never a crash.
"""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path

import numpy as np

from fitcoach.runner.audio_files import (
    FRAME_SAMPLES,
    MAX_CLIP_S,
    MAX_LEADING_SILENCE_S,
    MAX_TRAILING_SILENCE_S,
    SAMPLE_RATE,
    AudioFileError,
    load_clip,
)
from tests.hostile import Case, Outcome, crashed, judged

OUTCOMES = ("clip", "refused")
SPEECH = Path(__file__).resolve().parents[2] / "fixtures" / "03_conv_log_squats.wav"


def wav_bytes(
    samples: bytes, *, rate: int, channels: int = 1, bits: int = 16, tag: int = 1
) -> bytes:
    """A RIFF/WAVE file around `samples`, for formats the wave module cannot write."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _tone(seconds: float, rate: int, amplitude: float = 0.4) -> np.ndarray:
    """A burst of tone between silences, the shape of an utterance, in [-1, 1]."""
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * 220 * t) * amplitude
    quiet = np.zeros(int(0.5 * rate))
    return np.concatenate([quiet, tone, quiet])


def _pcm16(signal: np.ndarray, channels: int = 1) -> bytes:
    ints = (np.clip(signal, -1, 1) * 32767).astype("<i2")
    return np.repeat(ints, channels).tobytes()


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def _formats(folder: Path) -> list[Case]:
    tone8k = _tone(1.0, 8000)
    pcm = _pcm16(_tone(1.0, 16_000))
    files = {
        "8-bit unsigned, 8 kHz": wav_bytes(
            ((tone8k * 127) + 128).astype(np.uint8).tobytes(), rate=8000, bits=8
        ),
        "16-bit 16 kHz mono": wav_bytes(pcm, rate=16_000),
        "48 kHz stereo": wav_bytes(_pcm16(_tone(1.0, 48_000), 2), rate=48_000, channels=2),
        "44.1 kHz stereo": wav_bytes(_pcm16(_tone(1.0, 44_100), 2), rate=44_100, channels=2),
        "96 kHz mono": wav_bytes(_pcm16(_tone(1.0, 96_000)), rate=96_000),
        "11.025 kHz mono": wav_bytes(_pcm16(_tone(1.0, 11_025)), rate=11_025),
        "6 channels 48 kHz": wav_bytes(_pcm16(_tone(1.0, 48_000), 6), rate=48_000, channels=6),
        "32-bit float": wav_bytes(
            _tone(1.0, 16_000).astype("<f4").tobytes(), rate=16_000, bits=32, tag=3
        ),
        "24-bit": wav_bytes(
            b"".join(
                int(v * 8_000_000).to_bytes(3, "little", signed=True) for v in _tone(1.0, 8000)
            ),
            rate=8000,
            bits=24,
        ),
        "32-bit int": wav_bytes(
            (_tone(1.0, 16_000) * 2**30).astype("<i4").tobytes(), rate=16_000, bits=32
        ),
        "one sample": wav_bytes(b"\x10\x00", rate=16_000),
        "clipping white noise": wav_bytes(
            _pcm16(np.random.default_rng(1).uniform(-1.5, 1.5, 16_000 * 3)), rate=16_000
        ),
        "full-scale square wave": wav_bytes(
            _pcm16(np.sign(np.sin(np.arange(16_000 * 2) * 0.05))), rate=16_000
        ),
        "full-scale DC": wav_bytes(b"\xff\x7f" * 16_000, rate=16_000),
        "header says 4 GB of data": wav_bytes(pcm, rate=16_000)[:40] + b"\xff\xff\xff\xff" + pcm,
    }
    cases = [
        Case(name, _write(folder, f"format-{i}.wav", data), "clip")
        for i, (name, data) in enumerate(files.items())
    ]
    speech = SPEECH.read_bytes()
    for fraction in (0.25, 0.5, 0.75):
        cut = _write(folder, f"truncated-{fraction}.wav", speech[: int(len(speech) * fraction)])
        cases.append(Case(f"speech cut at {fraction:.0%}", cut, "clip"))
    silence = _write(
        folder, "ten-minutes.wav", wav_bytes(bytes(SAMPLE_RATE * 2 * 600), rate=SAMPLE_RATE)
    )
    cases.append(Case("ten minutes of silence", silence, "clip", "silent"))
    noise = np.random.default_rng(2).uniform(-0.5, 0.5, SAMPLE_RATE * 180)
    steady = _write(folder, "steady-noise.wav", wav_bytes(_pcm16(noise), rate=SAMPLE_RATE))
    cases.append(Case("three minutes of steady noise (not speech)", steady, "clip"))
    talk = np.tile(_tone(1.0, SAMPLE_RATE), 90)  # three minutes of one-second bursts
    rambling = _write(folder, "three-minutes.wav", wav_bytes(_pcm16(talk), rate=SAMPLE_RATE))
    cases.append(Case("three minutes of bursts", rambling, "refused", "too long for one turn"))
    return cases


def _broken(folder: Path) -> list[Case]:
    header = wav_bytes(_pcm16(_tone(0.5, 16_000)), rate=16_000)
    rng = random.Random(3)
    refused = {
        "empty": b"",
        "one byte": b"R",
        "RIFF only": b"RIFF",
        "header cut at 12 bytes": header[:12],
        "header cut at 20 bytes": header[:20],
        "header cut at 30 bytes": header[:30],
        "header without data": header[:44][:36],
        "text file": b"hello, I am a text file\n" * 10,
        "JSON": b'{"user_id": "demo"}',
        "HTML": b"<!doctype html><html><body>audio</body></html>",
        "ELF binary header": b"\x7fELF\x02\x01\x01" + bytes(200),
        "PNG header": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "PDF header": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(100),
        "zip header": b"PK\x03\x04" + bytes(100),
        "RIFF but AVI": b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(64),
        "WAVE with a broken fmt chunk": b"RIFF\x24\x00\x00\x00WAVEfmt \x02\x00\x00\x00\x01",
        "zero channels": wav_bytes(b"\x00\x00" * 100, rate=16_000, channels=0),
        "sample rate zero": wav_bytes(b"\x00\x00" * 100, rate=0),
        "unknown format tag": wav_bytes(b"\x00\x00" * 100, rate=16_000, tag=0x7777),
        "all zero bytes": bytes(4096),
    }
    cases = [
        Case(name, _write(folder, f"broken-{i}.wav", data), "refused")
        for i, (name, data) in enumerate(refused.items())
    ]
    garbage = {
        "random bytes": rng.randbytes(8192),
        "MP3 tag then garbage": b"ID3\x04\x00\x00\x00\x00\x00\x00" + rng.randbytes(4096),
        "Ogg page then garbage": b"OggS\x00\x02" + rng.randbytes(4096),
        "RIFX big-endian": b"RIFX" + header[4:],
        "speech with the middle scrambled": SPEECH.read_bytes()[:2000]
        + rng.randbytes(4000)
        + SPEECH.read_bytes()[6000:],
    }
    cases += [
        Case(name, _write(folder, f"garbage-{i}.wav", data), "either")
        for i, (name, data) in enumerate(garbage.items())
    ]
    return cases


def _paths(folder: Path) -> list[Case]:
    directory = folder / "a-folder.wav"
    directory.mkdir(exist_ok=True)
    regular = _write(folder, "regular.txt", b"x")
    loop = folder / "loop.wav"
    if not loop.is_symlink():
        os.symlink(loop, loop)
    dangling = folder / "dangling.wav"
    if not dangling.is_symlink():
        os.symlink(folder / "nowhere.wav", dangling)
    return [
        Case("missing file", folder / "missing.wav", "refused", "no such file"),
        Case("a directory", directory, "refused", "directory"),
        Case("a path through a file", regular / "x.wav", "refused"),
        Case("a symlink loop", loop, "refused"),
        Case("a dangling symlink", dangling, "refused"),
        Case("a name too long", folder / ("n" * 300 + ".wav"), "refused"),
        Case("a NUL in the path", folder / "nul\x00.wav", "refused"),
        Case("a device that is always empty", Path("/dev/null"), "refused"),
    ]


def cases(folder: Path) -> list[Case]:
    """Writes the files into `folder` and returns the table."""
    folder.mkdir(parents=True, exist_ok=True)
    return [*_formats(folder), *_broken(folder), *_paths(folder)]


def run(table: list[Case]) -> list[Outcome]:
    outcomes = []
    for case in table:
        try:
            outcomes.append(_one(case))
        except Exception as exc:
            outcomes.append(crashed(case, exc))
    return outcomes


def _one(case: Case) -> Outcome:
    path: Path = case.payload
    try:
        clip = load_clip(path)
    except AudioFileError as exc:
        reason = str(exc)
        if "\n" in reason or not reason.startswith(str(path)[:40]) or len(reason) > 600:
            return Outcome(case, "refused", False, f"unfit reason {reason[:100]!r}")
        if case.detail is not None and case.detail not in reason:
            return Outcome(case, "refused", False, f"reason {reason[:100]!r}")
        return judged(case, "refused", OUTCOMES)
    longest = MAX_CLIP_S + MAX_LEADING_SILENCE_S + MAX_TRAILING_SILENCE_S + 0.02
    fit = (
        clip.samples.dtype == np.int16
        and clip.samples.ndim == 1
        and len(clip.samples) % FRAME_SAMPLES == 0
        and 0 < clip.duration_s <= longest
    )
    if case.detail == "silent":
        fit = fit and clip.duration_s <= MAX_LEADING_SILENCE_S and clip.last_voiced_s is None
    if not fit:
        return Outcome(case, "clip", False, f"unfit clip of {clip.duration_s:.2f} s")
    return judged(case, "clip", OUTCOMES)
