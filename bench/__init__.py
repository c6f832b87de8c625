"""Benchmarks: `make bench` runs them and writes the measured tables into docs/benchmarks.md.

Every benchmark reports a ratio against a baseline run in the same process, because
absolute seconds on a shared 2-core machine say little on their own.
"""
