"""``scim-harness run`` against the scim2-tester CLI: checks run and wall time, one run.

On demand, not in CI. Starts the reference server once (``scim-harness serve``,
its own process on 127.0.0.1), then alternates, ``--rounds`` times, a whole
``scim-harness run URL`` and a whole ``scim2 --url URL test`` (scim2-cli, which
drives scim2-tester) against that same server, timing each command end to end
(interpreter start included — that is what a CI job pays). Alternating
keeps machine drift from favouring either side.

Counting checks: ours are the checks that ran (passed, failed or warned;
skipped ones are not counted) from the ``--report-json`` file. scim2-tester
prints one result line per check it performed (``SUCCESS name``,
``ERROR name`` …), several per checker function (one per resource type or
attribute); both its result lines and its distinct checker names are
reported, and the ratio uses result lines, the larger number.

    python benchmarks/bench_conformance.py --peer-cmd /path/to/venv/bin/scim2 --rounds 5

scim2-cli 0.6.0 / scim2-tester 0.5.2 go in a separate venv (they bring their
own pydantic stack). Results: stdout and ``bench-results/conformance.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_server import TOKEN, Target, free_port, running

RESULT_LINE = re.compile(r"^(SUCCESS|ERROR|CRITICAL|WARNING|SKIPPED|INFO)\s+(\S+)", re.M)


def time_command(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    return time.perf_counter() - start, done


def ours(url: str, report: Path, workers: int) -> tuple[float, int, int, int]:
    """Wall seconds, checks that ran, checks passed, exit code."""
    env = {**os.environ, "SCIM_TOKEN": TOKEN}
    argv = [sys.executable, "-m", "harness.cli", "run", url, "--report-json", str(report)]
    argv += ["--workers", str(workers)]
    seconds, done = time_command(argv, env)
    counts = json.loads(report.read_text())["counts"]
    ran = counts["passed"] + counts["failed"] + counts["warning"]
    return seconds, ran, counts["passed"], done.returncode


def peer(peer_cmd: str, url: str) -> tuple[float, int, int, int, int]:
    """Wall seconds, result lines, distinct checkers, successes, exit code."""
    env = {**os.environ, "SCIM_CLI_HEADERS": f"Authorization: Bearer {TOKEN}"}
    seconds, done = time_command([peer_cmd, "--url", url, "test"], env)
    results = RESULT_LINE.findall(done.stdout + done.stderr)
    passed = sum(1 for status, _ in results if status == "SUCCESS")
    return seconds, len(results), len({name for _, name in results}), passed, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-cmd", default="scim2", help="the scim2-cli executable")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="scim-harness run --workers")
    parser.add_argument("--out", default="bench-results/conformance.json")
    args = parser.parse_args()

    port = free_port()
    server = Target(
        "reference",
        [sys.executable, "-m", "harness.cli", "serve", "--port", str(port)],
        {"SCIM_TOKEN": TOKEN},
    )
    rows: dict[str, list[tuple[float, ...]]] = {"scim-harness run": [], "scim2-tester CLI": []}
    with running(server, port) as url, tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            report = Path(tmp) / f"r{round_number}.json"
            rows["scim-harness run"].append(ours(url, report, args.workers))
            rows["scim2-tester CLI"].append(peer(args.peer_cmd, url))
            print(f"round {round_number + 1}: ours {rows['scim-harness run'][-1]}, "
                  f"peer {rows['scim2-tester CLI'][-1]}", file=sys.stderr)  # fmt: skip

    ours_wall = statistics.median(r[0] for r in rows["scim-harness run"])
    peer_wall = statistics.median(r[0] for r in rows["scim2-tester CLI"])
    ours_checks = rows["scim-harness run"][-1][1]
    peer_results, peer_checkers = rows["scim2-tester CLI"][-1][1:3]
    summary = {
        "rounds": args.rounds,
        "workers": args.workers,
        "ours": {"median_s": round(ours_wall, 2), "checks_run": ours_checks,
                 "walls": [round(r[0], 2) for r in rows["scim-harness run"]]},
        "peer": {"median_s": round(peer_wall, 2), "result_lines": peer_results,
                 "checkers": peer_checkers,
                 "walls": [round(r[0], 2) for r in rows["scim2-tester CLI"]]},
        "checks_ratio": round(ours_checks / max(peer_results, 1), 2),
        "wall_ratio": round(ours_wall / peer_wall, 2),
        "checks_per_second": {"ours": round(ours_checks / ours_wall, 1),
                              "peer": round(peer_results / peer_wall, 1)},
    }  # fmt: skip
    print(f"{'':<18}{'median wall s':>14}{'checks':>8}{'checks/s':>10}")
    print(f"{'scim-harness run':<18}{ours_wall:>14.2f}{ours_checks:>8}"
          f"{ours_checks / ours_wall:>10.1f}")  # fmt: skip
    print(f"{'scim2-tester CLI':<18}{peer_wall:>14.2f}{peer_results:>8}"
          f"{peer_results / peer_wall:>10.1f}   ({peer_checkers} distinct checkers)")  # fmt: skip
    print(f"checks ×{summary['checks_ratio']}, wall ×{summary['wall_ratio']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
