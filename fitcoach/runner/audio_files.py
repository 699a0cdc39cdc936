"""Reading speech files for replay, and writing the agent's replies.

Any format PyAV (FFmpeg) decodes is accepted, at any sample rate and channel count; it is
converted to 16 kHz mono 16-bit, what the VAD and STT expect. A file that is not audio, is
empty or cannot be decoded raises AudioFileError with a one-line reason.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fitcoach.errors import FitcoachError

SAMPLE_RATE = 16_000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
# A 20 ms frame louder than this (RMS, full scale 1.0) counts as voiced.
VOICED_RMS = 0.01
# Silence kept around the speech: a 10-minute silent file is not played for 10 minutes.
MAX_LEADING_SILENCE_S = 1.0
MAX_TRAILING_SILENCE_S = 1.5
MAX_CLIP_S = 120.0


class AudioFileError(FitcoachError):
    """A file that cannot be replayed."""


@dataclass(frozen=True)
class SpeechClip:
    path: Path
    samples: np.ndarray  # int16, 16 kHz mono
    original_rate: int
    original_channels: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def last_voiced_s(self) -> float | None:
        """Seconds from the start of the clip to the end of its last voiced frame."""
        voiced = voiced_frames(self.samples)
        if not voiced.any():
            return None
        last = int(np.flatnonzero(voiced)[-1])
        return min(self.duration_s, (last + 1) * FRAME_SAMPLES / SAMPLE_RATE)


def frame_rms(samples: np.ndarray) -> np.ndarray:
    usable = len(samples) - len(samples) % FRAME_SAMPLES
    if usable == 0:
        return np.zeros(0)
    frames = samples[:usable].astype(np.float32).reshape(-1, FRAME_SAMPLES) / 32768.0
    rms: np.ndarray = np.sqrt((frames**2).mean(axis=1))
    return rms


def voiced_frames(samples: np.ndarray) -> np.ndarray:
    rms = frame_rms(samples)
    if rms.size == 0:
        return rms.astype(bool)
    # Relative to the quietest tenth as well, so steady background noise is not "voice".
    floor = float(np.percentile(rms, 10))
    voiced: np.ndarray = rms > max(VOICED_RMS, floor * 3)
    return voiced


def _decode(path: Path) -> tuple[np.ndarray, int, int]:
    import av

    try:
        container = av.open(str(path))
    except FileNotFoundError:
        raise AudioFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise AudioFileError(f"{path}: is a directory, not an audio file") from None
    except PermissionError:
        raise AudioFileError(f"{path}: permission denied") from None
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioFileError(
            f"{path}: not an audio file this can read ({type(exc).__name__})"
        ) from None
    try:
        if not container.streams.audio:
            raise AudioFileError(f"{path}: contains no audio stream")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # FFmpeg has no decoder for this codec
            raise AudioFileError(f"{path}: its audio is in a format this cannot decode")
        original_rate = int(stream.rate or 0)
        original_channels = int(stream.channels or 0)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        total = 0
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                chunk = converted.to_ndarray().reshape(-1)
                chunks.append(chunk)
                total += chunk.size
            if total > MAX_CLIP_S * 10 * SAMPLE_RATE:  # ten times a clip: surely not one turn
                break
        for converted in resampler.resample(None):
            chunks.append(converted.to_ndarray().reshape(-1))
    except AudioFileError:
        raise
    except (av.error.FFmpegError, ValueError, MemoryError) as exc:
        raise AudioFileError(f"{path}: cannot be decoded ({type(exc).__name__})") from None
    finally:
        container.close()
    samples = np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, dtype=np.int16)
    return samples, original_rate, original_channels


def _trim_silence(samples: np.ndarray) -> np.ndarray:
    voiced = voiced_frames(samples)
    if not voiced.any():
        return samples[: int(MAX_LEADING_SILENCE_S * SAMPLE_RATE)]
    first = int(np.flatnonzero(voiced)[0]) * FRAME_SAMPLES
    last = (int(np.flatnonzero(voiced)[-1]) + 1) * FRAME_SAMPLES
    start = max(0, first - int(MAX_LEADING_SILENCE_S * SAMPLE_RATE))
    end = min(len(samples), last + int(MAX_TRAILING_SILENCE_S * SAMPLE_RATE))
    return samples[start:end]


def load_clip(path: Path) -> SpeechClip:
    """A replayable clip, or AudioFileError saying in one line why not."""
    samples, rate, channels = _decode(path)
    if samples.size == 0:
        raise AudioFileError(f"{path}: contains no audio")
    samples = _trim_silence(samples)
    if len(samples) > MAX_CLIP_S * SAMPLE_RATE:
        raise AudioFileError(
            f"{path}: {len(samples) / SAMPLE_RATE:.0f} s of speech is too long for one turn"
        )
    # Whole frames only, padded with silence.
    remainder = len(samples) % FRAME_SAMPLES
    if remainder:
        samples = np.concatenate([samples, np.zeros(FRAME_SAMPLES - remainder, dtype=np.int16)])
    return SpeechClip(path=path, samples=samples, original_rate=rate, original_channels=channels)


def write_wav(path: Path, pcm: bytes, sample_rate: int, channels: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
