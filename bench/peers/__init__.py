"""The parts of bench/bench_peers.py: shared settings, processes, /proc accounting, load, report."""
