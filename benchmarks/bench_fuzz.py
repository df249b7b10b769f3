"""Fuzzing throughput: examples per second per property, in process and over loopback.

On demand, not in CI. For each property of ``harness.fuzz.campaign.PROPERTIES``
it runs a campaign of ``--examples`` examples against the reference server
``--rounds`` times and reports the median examples/s:

* **in process** — the app called in memory through ``ScimClient.in_process``
  (what ``scim-harness fuzz`` with no URL does); the issue's target is
  ≥ 200 examples/s here;
* **loopback** — the reference server under ``scim-harness serve`` in its own
  process on 127.0.0.1, fuzzed by URL (what fuzzing a real endpoint costs,
  minus the network).

An example counts every call of the property's body, shrinking included
(there is nothing to shrink against the reference server). Each example
creates its resources, asks the oracle and deletes what it created, so the
rate is dominated by requests per example (printed as well).

    python benchmarks/bench_fuzz.py --examples 200 --rounds 3 [--property paging …]

Results: stdout and ``bench-results/fuzz.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_server import TOKEN, Target, free_port, running

from harness.fuzz.campaign import PROPERTIES, CampaignOptions, run_campaign
from harness.server.app import create_app
from harness.server.config import ServerConfig


def one_round(name: str, examples: int, url: str | None, seed: int) -> tuple[float, int]:
    """(examples/s, examples) of one campaign of property ``name``."""
    app = None if url else create_app(ServerConfig(token=TOKEN))
    options = CampaignOptions(
        url=url, app=app, token=TOKEN, max_examples=examples, seed=seed, properties=[name]
    )
    started = time.perf_counter()
    result = run_campaign(options)
    seconds = time.perf_counter() - started
    if result.problem:
        raise RuntimeError(f"{name}: {result.problem}")
    if result.findings:
        print(f"  note: {name} reported {len(result.findings)} finding(s) against the reference")
    ran = result.properties[0].examples
    return ran / seconds if seconds else 0.0, ran


def measure(names: list[str], examples: int, rounds: int, url: str | None) -> dict[str, Any]:
    rates: dict[str, Any] = {}
    for name in names:
        samples = [one_round(name, examples, url, seed)[0] for seed in range(rounds)]
        rates[name] = {"median": statistics.median(samples), "samples": samples}
        print(f"  {name:<16} {rates[name]['median']:8.1f} examples/s", flush=True)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per campaign")
    parser.add_argument("--rounds", type=int, default=3, help="campaigns per measurement")
    parser.add_argument("--property", action="append", choices=list(PROPERTIES), default=[])
    parser.add_argument("--skip-loopback", action="store_true")
    parser.add_argument("--output", default="bench-results/fuzz.json")
    args = parser.parse_args()
    names = args.property or list(PROPERTIES)
    results: dict[str, Any] = {"examples": args.examples, "rounds": args.rounds}
    print("in process (ScimClient.in_process):")
    results["in_process"] = measure(names, args.examples, args.rounds, None)
    if not args.skip_loopback:
        port = free_port()
        server = Target(
            "reference",
            [sys.executable, "-m", "harness.cli", "serve", "--port", str(port)],
            {"SCIM_TOKEN": TOKEN},
        )
        with running(server, port) as url:
            print(f"loopback ({url}, scim-harness serve):")
            results["loopback"] = measure(names, args.examples, args.rounds, url)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
