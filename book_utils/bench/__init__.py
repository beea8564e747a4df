"""Benchmark scripts: speed and memory figures recorded in the README (never timed tests)."""
