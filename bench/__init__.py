"""Benchmarks: speed, memory and quality, written to reports/benchmarks/."""
