"""fitcoach's benchmarks: run each with `python -m bench.<name>` from the repository root
(`python -m bench.run` runs them all and writes bench/results/latest.json)."""
