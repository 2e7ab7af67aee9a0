"""Example programs shipped with nesy (DeepProbLog-compatible)."""
