"""Running the agent on this computer: replaying recorded speech, and live conversation."""
