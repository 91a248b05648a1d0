"""Helpers for tests, soak runs and benchmarks that drive the engine repeatedly."""
