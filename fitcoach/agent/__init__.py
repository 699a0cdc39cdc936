"""The LiveKit layer: FitnessVoiceAgent and its tools, the session builder, the worker, and the
durable logbook. Import the submodules you need; this package's import loads nothing heavy.
"""
