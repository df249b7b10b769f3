"""Throughput and latency of the reference server against a peer, side by side.

On demand, not in CI. Starts each server under its own process on 127.0.0.1,
seeds it with N users over HTTP, then drives a create / get / userName-eq /
PATCH mix with a fixed number of concurrent clients and reports requests/s
and per-operation p50/p95. Servers are measured in the same run, alternating,
so that machine drift affects both.

    python benchmarks/bench_server.py --sizes 1000 100000 \
        --peer-cmd "/path/to/venv/bin/scim2-server"

The peer is scim2-server 0.8.3 from PyPI (install it in a separate venv; it
brings its own pydantic stack). Results go to stdout as a table and to
``bench-results/server.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import shlex
import socket
import statistics
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
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


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


async def seed(client: httpx.AsyncClient, size: int, concurrency: int) -> tuple[list[str], float]:
    """Create ``size`` users; return their ids and the seeding rate."""
    ids: list[str] = [""] * size
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(size):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            n = queue.get_nowait()
            response = await client.post("/Users", json=user_body(n, "seed"))
            response.raise_for_status()
            ids[n] = response.json()["id"]

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids, size / (time.perf_counter() - start)


async def run_mix(
    client: httpx.AsyncClient, ids: list[str], requests: int, concurrency: int, seed_value: int
) -> tuple[float, dict[str, list[float]], collections.Counter[str]]:
    """Drive the mix; return requests/s, the latencies (ms) per operation and failures."""
    rng = random.Random(seed_value)
    ops = ["create", "get", "filter", "patch"]
    plan = [ops[i % 4] for i in range(requests)]
    rng.shuffle(plan)
    latencies: dict[str, list[float]] = {op: [] for op in ops}
    failures: collections.Counter[str] = collections.Counter()
    counter = iter(range(requests))
    created = 0

    async def one(op: str) -> None:
        nonlocal created
        n = rng.randrange(len(ids))
        if op == "create":
            created += 1
            request = client.post("/Users", json=user_body(created, f"mix{seed_value}-"))
        elif op == "get":
            request = client.get(f"/Users/{ids[n]}")
        elif op == "filter":
            request = client.get("/Users", params={"filter": f'userName eq "seed{n}@example.com"'})
        else:
            body = {
                "schemas": [PATCH_URN],
                "Operations": [{"op": "replace", "path": "title", "value": f"t{n}"}],
            }
            request = client.patch(f"/Users/{ids[n]}", json=body)
        start = time.perf_counter()
        try:
            response = await request
        except httpx.TransportError as error:
            # A dropped connection is the server's failure, counted, not fatal.
            failures[f"{op}: {type(error).__name__}"] += 1
            return
        latencies[op].append((time.perf_counter() - start) * 1000)
        if response.status_code >= 300:
            failures[f"{op}: HTTP {response.status_code}"] += 1

    async def worker() -> None:
        for i in counter:
            await one(plan[i])

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return requests / (time.perf_counter() - start), latencies, failures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(base: str, size: int, args: argparse.Namespace) -> dict[str, object]:
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {TOKEN}"},
        limits=limits,
        timeout=60,
    ) as client:
        ids, seed_rate = await seed(client, size, args.concurrency)
        await run_mix(client, ids, min(400, args.requests), args.concurrency, 0)  # warm-up
        rps, latencies, failures = await run_mix(client, ids, args.requests, args.concurrency, 1)
    return {
        "seed_per_s": round(seed_rate, 1),
        "rps": round(rps, 1),
        **{
            f"{op}_p{int(q * 100)}_ms": round(percentile(values, q), 2)
            for op, values in latencies.items()
            for q in (0.5, 0.95)
        },
        "filter_median_ms": round(statistics.median(latencies["filter"]), 2),
        "failures": dict(failures),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
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
                        row = asyncio.run(measure(base, size, args))
                    row = {"server": target.name, "users": size, "round": round_no, **row}
                    results.append(row)
                    print(json.dumps(row), flush=True)

    print()
    header = (
        "server", "users", "rps", "seed/s",
        "get p50/p95", "filter p50/p95", "patch p50/p95", "create p50/p95",
    )  # fmt: skip
    print(" | ".join(header))
    for row in results:
        print(
            " | ".join(
                [
                    str(row["server"]),
                    str(row["users"]),
                    str(row["rps"]),
                    str(row["seed_per_s"]),
                    *(
                        f"{row[f'{op}_p50_ms']}/{row[f'{op}_p95_ms']}"
                        for op in ("get", "filter", "patch", "create")
                    ),
                ]
            )
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
