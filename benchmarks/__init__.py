"""Benchmarks of vaulttool: whole-process measurements (``python -m benchmarks``)."""
