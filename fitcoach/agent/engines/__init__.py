"""Offline engines as LiveKit plugins: faster-whisper STT, piper TTS, and the intent engine as
an LLM. Each loads its model once per process; the session builder picks them for `local`.
"""
