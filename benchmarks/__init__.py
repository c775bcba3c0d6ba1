"""chainrule's benchmark suite: ``python -m benchmarks.run [--quick | --smoke]``.

Importing this package imports no engine: each adapter imports its engine when prepared.
"""
