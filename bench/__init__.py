"""Benchmarks of the engine (``make bench``); never part of the test run. See bench/RESULTS.md."""
