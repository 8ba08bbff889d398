"""Build a ledger through `ar import` and time whole `ar` commands on it, as a user runs them.

    python benchmarks/bench.py --deliveries 1000000 [--runs 5] [--work /tmp/arbench] [--smoke]

Steps, all printed as they go:
1. ``make_ledger.py`` writes the canonical import files for the size asked (kept in ``--work`` and reused);
2. a fresh ledger is built with ``ar init`` and ``ar import customers|deliveries|payments|promises``, each timed
   as a whole process with its peak memory;
3. the ledger is checked against the generator's ``expected.json`` (counts, totals, one customer's balance,
   the aging total) and with ``ar check``: a benchmark of wrong answers is worth nothing;
4. each command is run ``--runs`` times; printed are the median, min and max wall time, the peak memory and
   the ratio of the median to the start-up floors (``python -c "import typer"`` and
   ``python -c "import typer, rich, sqlmodel"``), each floor run just before each run of the command: the
   machine is shared and its speed drifts over minutes, so each command is compared with floors measured
   alongside it;
5. ``ledger balance`` and ``hledger balance`` on the same data as a journal, when they are installed, against
   ``ar balance``.

``--smoke`` (what CI runs, at 10,000 deliveries) does steps 1-3 and one run of each command, and fails on any
wrong answer or failed command, never on time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-23"
YEAR_BACK = "2025-11-23"


TIME = shutil.which("time", path="/usr/bin:/bin")


def _tree_pss(root: int) -> int:
    """KiB of proportional memory (PSS) of a process and its descendants now (Linux; 0 elsewhere)."""
    parents: dict[int, int] = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            parents[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, more = {root}, {root}
    while more:
        more = {pid for pid, parent in parents.items() if parent in more} - tree
        tree |= more
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def timed(argv: list[str], env: dict[str, str], tree: list[int] | None = None) -> tuple[float, int, str]:
    """Wall time, peak memory (KiB) and stdout of one whole process.

    The peak is measured by /usr/bin/time when it is there: a child forked from this (large) process would
    otherwise report this process's memory as its own high-water mark (Linux keeps maxrss across exec). That
    is the largest process's; ``tree`` (a list) also gets the peak of all of them together (a large import
    runs a writer process beside the one started), sampled twice a second from their PSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as mem:
        wrapped = [TIME, "-q", "-f", "%M", "-o", mem.name, *argv] if TIME else argv
        t = time.perf_counter()
        p = subprocess.Popen(wrapped, env=env, stdout=out, stderr=err)
        if tree is not None and Path("/proc/self/smaps_rollup").exists():
            done = threading.Event()

            def sample() -> None:
                while not done.wait(0.5):
                    tree.append(_tree_pss(p.pid))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - t
        if tree is not None and Path("/proc/self/smaps_rollup").exists():
            done.set()
            sampler.join()
        out.seek(0)
        err.seek(0)
        if status:
            code = os.waitstatus_to_exitcode(status)
            sys.exit(f"failed ({code}): {' '.join(argv)}\n{err.read().decode(errors='replace')}")
        peak = int(Path(mem.name).read_text().split()[-1]) if TIME else usage.ru_maxrss
        return elapsed, peak, out.read().decode()


def measure(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float, int]:
    times, peak = [], 0
    for _ in range(runs):
        t, p, _ = timed(argv, env)
        times.append(t)
        peak = max(peak, p)
    return statistics.median(times), min(times), max(times), peak


def measure_beside(
    argv: list[str], floors: list[list[str]], env: dict[str, str], runs: int, pooled: list[list[tuple[float, int]]]
) -> tuple[tuple[float, float, float, int], list[float]]:
    """A command's figures as :func:`measure` gives them, with each floor run just before each of its runs: the
    floors' medians over those runs (their times and peaks are also added to ``pooled``)."""
    times, peak = [], 0
    beside: list[list[float]] = [[] for _ in floors]
    for _ in range(runs):
        for n, f in enumerate(floors):
            t, p, _ = timed(f, env)
            beside[n].append(t)
            pooled[n].append((t, p))
        t, p, _ = timed(argv, env)
        times.append(t)
        peak = max(peak, p)
    figures = (statistics.median(times), min(times), max(times), peak)
    return figures, [statistics.median(b) for b in beside]


def row(label: str, m: tuple[float, float, float, int], floor: float, typer_floor: float) -> str:
    med, lo, hi, peak = m
    return (
        f"{label:<44}{med:>9.3f}{lo:>8.3f}{hi:>8.3f}{peak / 1024:>9.0f}{med / floor:>8.2f}{med / typer_floor:>8.2f}"
        f"{med - floor:>+9.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deliveries", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/arbench"))
    ap.add_argument("--smoke", action="store_true", help="check the answers, one run each, no timing verdicts")
    ap.add_argument("--keep", action="store_true", help="reuse the ledger built by an earlier run (no import timing)")
    ap.add_argument("--no-journal", action="store_true", help="leave out ledger-cli and hledger")
    ap.add_argument(
        "--builds", type=int, default=1, help="build the ledger this many times, each from nothing: median, min, max"
    )
    a = ap.parse_args()
    runs = 1 if a.smoke else a.runs
    py = sys.executable
    ar = str(Path(py).with_name("ar"))
    data = a.work / f"data-{a.deliveries}"
    if not (data / "expected.json").exists():
        t = time.perf_counter()
        subprocess.run([py, str(HERE / "make_ledger.py"), str(data), "--deliveries", str(a.deliveries)], check=True)
        print(f"generated in {time.perf_counter() - t:.1f} s")
    expected = json.loads((data / "expected.json").read_text())
    db = a.work / f"ledger-{a.deliveries}.db"
    keep = a.keep and db.exists()
    env = {**os.environ, "AR_DB": str(db), "AR_TODAY": AS_OF, "NO_COLOR": "1", "COLUMNS": "160"}
    env.pop("AR_DATABASE_URL", None)
    # Byte-compile arcli first, as `pip install` does: an editable install run with PYTHONDONTWRITEBYTECODE
    # would otherwise compile every module again in every timed process.
    import arcli

    compile_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([py, "-m", "compileall", "-q", str(Path(arcli.__file__).parent)], env=compile_env, check=True)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.platform()}"
    )
    builds = 0 if keep else max(a.builds, 1)
    print(f"\n## build through ar import ({a.deliveries:,} deliveries), {builds} time(s)\n")
    kinds = ("customers", "deliveries", "payments", "promises")
    steps = [["init"], *(["import", k, str(data / f"{k}.csv")] for k in kinds)]
    times: list[list[float]] = [[] for _ in steps]
    peaks, alls = [0] * len(steps), [0] * len(steps)
    for _ in range(builds):  # each build from nothing: the ledger's files removed first
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        for n, step in enumerate(steps):
            together: list[int] = []
            t, peak, _ = timed([ar, *step], env, together)
            times[n].append(t)
            peaks[n], alls[n] = max(peaks[n], peak), max([alls[n], *together])
    if keep:
        print(f"(--keep: the ledger of an earlier run, {db.stat().st_size / 1e6:.0f} MB)")
    else:
        print(f"{'step':<44}{'median s':>9}{'min s':>8}{'max s':>8}{'peak MB':>9}{'all MB':>9}")
        for n, step in enumerate(steps):
            ts = times[n]
            label = "ar " + " ".join(step[:2])
            print(
                f"{label:<44}{statistics.median(ts):>9.2f}{min(ts):>8.2f}{max(ts):>8.2f}{peaks[n] / 1024:>9.0f}"
                f"{alls[n] / 1024:>9.0f}"
            )
        totals = [sum(build) for build in zip(*times, strict=True)]
        print(
            f"{'total':<44}{statistics.median(totals):>9.2f}{min(totals):>8.2f}{max(totals):>8.2f}"
            f"   ({db.stat().st_size / 1e6:.0f} MB ledger)"
        )
        both = [d + p for d, p in zip(times[2], times[3], strict=True)]
        print(
            f"{'import deliveries + payments (target 60 s)':<44}{statistics.median(both):>9.2f}{min(both):>8.2f}"
            f"{max(both):>8.2f}"
        )
    print("(peak MB: the largest process, from /usr/bin/time; all MB: the command's processes together, their")
    print(" proportional memory sampled twice a second: a large import writes from a second process)")

    print("\n## answers checked against the generator\n")
    check(ar, env, expected)

    floors = [[py, "-c", "import typer"], [py, "-c", "import typer, rich, sqlmodel"]]
    pooled: list[list[tuple[float, int]]] = [[], []]
    probe = expected["probe"]
    commands = [
        ["--help"],
        ["--version"],
        ["due", "today"],
        ["report", "aging"],
        ["report", "aging", "--as-of", YEAR_BACK],
        ["customer", "show", probe],
        ["ledger", probe],
        ["balance", "--format", "csv"],
        ["report", "collections"],
    ]
    print(f"\n## commands, {runs} run(s) each, as of {AS_OF}, each run just after a run of both floors\n")
    print(
        f"{'command':<44}{'median s':>9}{'min s':>8}{'max s':>8}{'peak MB':>9}{'×floor':>8}{'×typer':>8}{'−floor s':>9}"
    )
    for cmd in commands:  # ×floor, ×typer and −floor against the floors' medians over this command's runs
        m, (typer_floor, floor) = measure_beside([ar, *cmd], floors, env, runs, pooled)
        print(row("ar " + " ".join(cmd), m, floor, typer_floor), flush=True)
    figures = [
        (statistics.median(ts), min(ts), max(ts), max(p for _, p in runs_))
        for runs_ in pooled
        for ts in [[t for t, _ in runs_]]
    ]
    labels = ("floor: python -c 'import typer'", "floor: python -c 'import typer, rich, sqlmodel'")
    for label, m in zip(labels, figures, strict=True):
        print(row(label + ", all runs", m, figures[1][0], figures[0][0]))

    if a.no_journal:
        return
    print("\n## the same journal in ledger-cli and hledger\n")
    journal = data / "journal.ledger"
    ar_bal = measure([ar, "balance", "--format", "csv", "--limit", "0"], env, runs)
    print(f"{'tool':<44}{'median s':>9}{'min s':>8}{'max s':>8}{'peak MB':>9}{'÷ ar':>8}")
    print(
        f"{'ar balance --format csv':<44}{ar_bal[0]:>9.3f}{ar_bal[1]:>8.3f}{ar_bal[2]:>8.3f}{ar_bal[3] / 1024:>9.0f}"
        f"{1:>8.1f}"
    )
    for tool in ("ledger", "hledger"):
        exe = shutil.which(tool)
        if exe is None:
            print(f"{tool:<44}not installed (Debian package {tool})")
            continue
        argv = [exe, "-f", str(journal), "balance", "assets:receivable"]
        m = measure(argv, env, 1 if a.deliveries >= 1_000_000 else runs)
        print(f"{tool + ' balance':<44}{m[0]:>9.3f}{m[1]:>8.3f}{m[2]:>8.3f}{m[3] / 1024:>9.0f}{m[0] / ar_bal[0]:>8.1f}")


def check(ar: str, env: dict[str, str], expected: dict) -> None:
    """Fail loudly unless the imported ledger shows exactly what the generator wrote."""

    def js(*args: str):
        return json.loads(timed([ar, *args, "--format", "json"], env)[2])

    problems = []
    customers = js("customer", "list")
    if len(customers) != expected["customers"]:
        problems.append(f"{len(customers)} customers, expected {expected['customers']}")
    totals = js("balance", "--limit", "0")["totals"]
    net = Decimal(totals["open"]) - Decimal(totals["credit"])
    if net != Decimal(expected["open"]):
        problems.append(f"open balance net of credit {net}, expected {expected['open']}")
    led = js("ledger", expected["probe"])
    if Decimal(led["closing_balance"]) != Decimal(expected["probe_balance"]):
        problems.append(f"{expected['probe']} balance {led['closing_balance']}, expected {expected['probe_balance']}")
    aging = js("report", "aging")
    if Decimal(aging["totals"]["total"]) != Decimal(totals["open"]) or not aging["reconciled"]:
        problems.append(f"aging total {aging['totals']['total']} is not the open items' {totals['open']}")
    year_back = js("report", "aging", "--as-of", YEAR_BACK)
    if not year_back["reconciled"]:
        problems.append(f"aging as of {YEAR_BACK} does not reconcile with the ledger balance")
    r = subprocess.run([ar, "check", "--format", "json"], env=env, capture_output=True, text=True)
    report = json.loads(r.stdout) if r.stdout.strip() else {"faults": [r.stderr.strip()], "counts": {}}
    if r.returncode != 0:
        problems.append("ar check: " + "; ".join(map(str, report["faults"]))[:500])
    want = expected["deliveries"] + expected["payments"]
    if report["counts"].get("entry") != want or report["counts"].get("item") != expected["deliveries"]:
        problems.append(f"counts {report['counts']}, expected {want} entries and {expected['deliveries']} items")
    print(
        f"customers {len(customers):,}; open {totals['open']} − credit {totals['credit']} = {net} "
        f"(expected {expected['open']}); {expected['probe']} {led['closing_balance']}; "
        f"aging {aging['totals']['total']}; ar check: {'ok' if r.returncode == 0 else 'FAILED'}"
    )
    if problems:
        sys.exit("wrong answers:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
