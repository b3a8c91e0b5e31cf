"""Start-up time of `lakeforge --help` and `import lakeforge`, against a bare interpreter.

Goal (issue 3): `lakeforge --help` starts in < 0.4 s. Each command runs N times in fresh
processes; the table shows min / median / max wall seconds. The baseline `python -c pass` is
measured in the same run so the numbers can be compared across machines.

    python bench/cli_startup.py --runs 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_S = 0.4


def measure(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    args = parser.parse_args()
    exe = shutil.which("lakeforge") or str(Path(sys.executable).parent / "lakeforge")
    cases = [
        ("baseline: python -c pass", [sys.executable, "-c", "pass"]),
        ("python -c 'import lakeforge'", [sys.executable, "-c", "import lakeforge"]),
        ("lakeforge --help", [exe, "--help"]),
        ("lakeforge tables --help", [exe, "tables", "--help"]),
    ]
    measure(cases[2][1], 2)  # warm the OS file cache
    print(f"{'command':<32} {'min s':>7} {'median s':>9} {'max s':>7}")
    results = {}
    for label, command in cases:
        times = measure(command, args.runs)
        results[label] = statistics.median(times)
        print(f"{label:<32} {min(times):7.3f} {statistics.median(times):9.3f} {max(times):7.3f}")
    verdict = "meets" if results["lakeforge --help"] < GOAL_S else "MISSES"
    median = results["lakeforge --help"]
    print(f"\nlakeforge --help median {median:.3f} s {verdict} the {GOAL_S} s goal")


if __name__ == "__main__":
    main()
