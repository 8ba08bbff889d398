"""Time whole `ar` commands on a ledger, as a user runs them, against the start-up floor of the same run.

    python benchmarks/bench.py LEDGER.db [--runs 5] [--today 2026-11-23]

Build a ledger first with `benchmarks/make_ledger.py`. Prints, per command, the median, min and max wall time,
peak memory (max RSS), and the ratio of the median to the floor (`python -c "import typer, rich, sqlmodel"`).
The machine is shared and noisy: compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["due", "today", "--limit", "50"],
    ["balance", "--owing"],
    ["customer", "show", "C00042"],
    ["ledger", "C00042"],
]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def measure(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float, int]:
    times, peak = [], 0
    for _ in range(runs):
        t, p = run(argv, env)
        times.append(t)
        peak = max(peak, p)
    return statistics.median(times), min(times), max(times), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("ledger", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--today", default="2026-11-23")
    a = ap.parse_args()
    env = {**os.environ, "AR_DB": str(a.ledger), "AR_TODAY": a.today}
    ar = str(Path(sys.executable).with_name("ar"))
    subprocess.run([ar, "customer", "list", "--format", "csv"], env=env, stdout=subprocess.DEVNULL, check=True)
    floor = measure([sys.executable, "-c", "import typer, rich, sqlmodel"], env, a.runs)
    print(f"ledger {a.ledger} ({a.ledger.stat().st_size / 1e6:.0f} MB), {a.runs} runs each, as of {a.today}")
    print(f"{'command':<34}{'median s':>10}{'min s':>8}{'max s':>8}{'peak MB':>9}{'× floor':>9}")
    print(
        f"{'floor: import typer, rich, sqlmodel':<34}{floor[0]:>10.3f}{floor[1]:>8.3f}{floor[2]:>8.3f}"
        f"{floor[3] / 1024:>9.0f}{1:>9.2f}"
    )
    for cmd in COMMANDS:
        med, lo, hi, peak = measure([ar, *cmd], env, a.runs)
        print(f"{'ar ' + ' '.join(cmd):<34}{med:>10.3f}{lo:>8.3f}{hi:>8.3f}{peak / 1024:>9.0f}{med / floor[0]:>9.2f}")


if __name__ == "__main__":
    main()
