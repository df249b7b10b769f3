"""Throughput and latency of the reference server against a peer, side by side.

On demand, not in CI. Starts each server under its own process on 127.0.0.1,
seeds it with N users over HTTP (``/Bulk``, which both servers support), then
drives each operation (get by id, userName-eq filter, PATCH, create) and their
mix with wrk (Debian package ``wrk``; the Lua script is ``wrk_mix.lua``) at a
fixed number of connections, and reports requests/s and p50/p95 latency. A
Python load generator saturates before these servers do on a 2-core machine,
so the load comes from wrk. Servers are measured in the same run, alternating,
so that machine drift affects both.

    python benchmarks/bench_server.py --sizes 1000 100000 \
        --peer-cmd "/path/to/venv/bin/scim2-server"

The peer is scim2-server 0.8.3 from PyPI (install it in a separate venv; it
brings its own pydantic stack). Results go to stdout as a table and to
``bench-results/server.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TOKEN = "bench-token"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
LUA = Path(__file__).with_name("wrk_mix.lua")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Target:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def running(target: Target, port: int) -> Iterator[str]:
    """Start a server process, wait until it answers, stop it afterwards."""
    env = {**os.environ, **target.env}
    proc = subprocess.Popen(
        target.argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(
                    f"{base}/ServiceProviderConfig",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=1,
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{target.name} did not start: {shlex.join(target.argv)}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def user_body(n: int, tag: str) -> dict[str, object]:
    return {
        "schemas": [USER_URN],
        "userName": f"{tag}{n}@example.com",
        "externalId": f"ext-{tag}-{n}",
        "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
        "displayName": f"User {n}",
        "emails": [{"value": f"{tag}{n}@example.com", "type": "work", "primary": True}],
        "active": True,
    }


def seed(base: str, size: int, batch: int = 500) -> tuple[list[str], float]:
    """Create ``size`` users through ``/Bulk`` (both servers support it); ids and users/s."""
    ids: list[str] = []
    start = time.perf_counter()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for first in range(0, size, batch):
            operations = [
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": f"u{n}",
                    "data": user_body(n, "seed"),
                }
                for n in range(first, min(size, first + batch))
            ]
            body = {"schemas": [BULK_URN], "failOnErrors": 1, "Operations": operations}
            response = client.post("/Bulk", json=body, timeout=300)
            response.raise_for_status()
            for result in response.json()["Operations"]:
                if str(result.get("status")) != "201":
                    raise RuntimeError(f"bulk create failed: {result}")
                ids.append(result["location"].rstrip("/").rsplit("/", 1)[-1])
    return ids, size / (time.perf_counter() - start)


RESULT = re.compile(r"RESULT (.*)")


def run_wrk(base: str, op: str, samples: Path, args: argparse.Namespace) -> dict[str, float]:
    """One wrk run of ``op``; requests/s, p50/p95 (ms) and failures."""
    argv = [
        args.wrk, "-t", str(args.threads), "-c", str(args.connections),
        "-d", f"{args.duration}s", "-s", str(LUA), base, "--", op, str(samples),
    ]  # fmt: skip
    out = subprocess.run(
        argv, capture_output=True, text=True, check=True, env={**os.environ, "BENCH_TOKEN": TOKEN}
    ).stdout
    match = RESULT.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out}")
    fields = dict(item.split("=") for item in match.group(1).split())
    seconds = int(fields["duration_us"]) / 1e6
    return {
        "rps": round(int(fields["requests"]) / seconds, 1),
        "p50_ms": round(int(fields["p50_us"]) / 1000, 2),
        "p95_ms": round(int(fields["p95_us"]) / 1000, 2),
        "failures": int(fields["non2xx"]) + int(fields["socket_errors"]),
    }


def measure(base: str, size: int, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    ids, seed_rate = seed(base, size)
    rng = random.Random(size)
    picked = rng.sample(range(size), min(size, args.samples))
    samples = workdir / f"samples-{size}.txt"
    samples.write_text("".join(f"{n} {ids[n]}\n" for n in picked))
    row: dict[str, object] = {"seed_per_s": round(seed_rate, 1)}
    for op in ("get", "filter", "patch", "create", "mix"):
        row[op] = run_wrk(base, op, samples, args)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--samples", type=int, default=5000, help="users the load picks from")
    parser.add_argument("--wrk", default="wrk", help="the wrk executable (Debian package wrk)")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the servers N times")
    parser.add_argument("--peer-cmd", default="scim2-server", help="the scim2-server executable")
    parser.add_argument("--out", type=Path, default=Path("bench-results/server.json"))
    args = parser.parse_args()

    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for round_no in range(args.rounds):
                port_ours, port_peer = free_port(), free_port()
                ours = Target(
                    "reference",
                    [
                        sys.executable, "-m", "harness.cli", "serve",
                        "--port", str(port_ours), "--db", f"{tmp}/bench-{size}-{round_no}.db",
                        "--token-env", "BENCH_SCIM_TOKEN",
                    ],
                    {"BENCH_SCIM_TOKEN": TOKEN},
                )  # fmt: skip
                peer = Target(
                    "scim2-server",
                    [
                        *shlex.split(args.peer_cmd),
                        "--port",
                        str(port_peer),
                        "--bearer-token",
                        TOKEN,
                    ],
                )
                for target, port in ((ours, port_ours), (peer, port_peer)):
                    with running(target, port) as base:
                        row = measure(base, size, Path(tmp), args)
                    row = {"server": target.name, "users": size, "round": round_no, **row}
                    results.append(row)
                    print(json.dumps(row), flush=True)

    print()
    ops = ("mix", "get", "filter", "patch", "create")
    print("server | users | seed/s | " + " | ".join(f"{op} rps (p50/p95 ms)" for op in ops))
    for row in results:
        cells = [str(row["server"]), str(row["users"]), str(row["seed_per_s"])]
        for op in ops:
            figures = row[op]
            assert isinstance(figures, dict)
            cells.append(f"{figures['rps']} ({figures['p50_ms']}/{figures['p95_ms']})")
            if figures["failures"]:
                cells[-1] += f" [{figures['failures']} failed]"
        print(" | ".join(cells))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
