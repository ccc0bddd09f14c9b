"""Benchmarks: real-data training report and a speed table against PyTorch (`python -m benchmarks`)."""
