"""Benchmarks: figures printed against baselines measured in the same run.

Run all with `make bench` (`python -m benchmarks`), or one with
`python -m benchmarks.lexicon`. They print; they do not fail a build.
"""
