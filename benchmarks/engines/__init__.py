"""Engine adapters, one module per engine; benchmarks/registry.py lists them.

No module here imports its engine at import time: each imports it when it prepares.
"""
