"""Push N users with the mock Okta (assign "Everyone"), against ours and scim2-server.

On demand, not in CI. The issue's target: 10 000 users pushed in under 60 s.
Each round starts the server fresh under its own process on 127.0.0.1
(``scim-harness serve``; the peer with ``--peer-cmd``), builds a mock Okta
org (:class:`mock_okta.org.Org`) with one app connected over loopback
(:func:`mock_okta.wire.okta_client`, a real socket), adds N users and times
``assign_group(app, org.everyone)`` — Okta's lookup (``GET /Users?filter=
userName eq …``) then ``POST /Users`` per user, one after the other, as Okta
sends them (seed 001: assigning Everyone provisions every member). Then it
checks the outcome: every step ok, every app user SYNCHRONIZED, and the server
holding N users (``totalResults``). Servers alternate within each round so
that machine drift affects both.

    python benchmarks/bench_okta_push.py --users 10000 --rounds 3 \\
        --peer-cmd /path/to/peer-venv/bin/scim2-server

The peer is scim2-server from PyPI (its own venv). Results: stdout and
``bench-results/okta-push.json``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_server import TOKEN, Target, free_port, running

from harness.client import ScimClient
from mock_okta.connection import ConnectionStatus
from mock_okta.model import AppInstance, SyncState
from mock_okta.org import Org
from mock_okta.wire import okta_client


def server_targets(args: argparse.Namespace) -> list[tuple[Target, int]]:
    """Ours and, when given, the peer; each on a free port of its own."""
    port = free_port()
    ours = Target(
        "reference",
        [sys.executable, "-m", "harness.cli", "serve", "--port", str(port),
         "--token-env", "BENCH_SCIM_TOKEN"],
        {"BENCH_SCIM_TOKEN": TOKEN},
    )  # fmt: skip
    targets = [(ours, port)]
    if args.peer_cmd:
        peer_port = free_port()
        argv = [*shlex.split(args.peer_cmd), "--port", str(peer_port), "--bearer-token", TOKEN]
        targets.append((Target("scim2-server", argv), peer_port))
    return targets


def push(base: str, users: int) -> dict[str, Any]:
    """One timed push of ``users`` users to the server at ``base``, verified afterwards."""

    def client_factory(app: AppInstance) -> ScimClient:
        return okta_client(str(app.connection.base_url), app.connection.token)

    org = Org(client_factory)
    app = org.add_app("Bench SCIM")
    app.connection.base_url, app.connection.token = base, TOKEN
    app.connection.status = ConnectionStatus.ENABLED
    for n in range(1, users + 1):
        org.add_user(f"user{n:05d}@example.com", firstName="User", lastName=str(n))
    try:
        start = time.perf_counter()
        outcome = org.assign_group(app, org.everyone)
        seconds = time.perf_counter() - start
    finally:
        org.close()
    synchronized = sum(
        1 for user_id in org.users if app.app_user(user_id).sync_state is SyncState.SYNCHRONIZED
    )
    with ScimClient(base, TOKEN, timeout=60) as inspect:
        listed = inspect.get("/Users", params={"startIndex": 1, "count": 1})
    total = listed.body.get("totalResults") if isinstance(listed.body, dict) else None
    requests = len(outcome.exchanges)
    return {
        "seconds": round(seconds, 3),
        "requests": requests,
        "requests_per_s": round(requests / seconds, 1),
        "users_per_s": round(users / seconds, 1),
        "ok": outcome.ok,
        "first_error": outcome.message,
        "synchronized": synchronized,
        "total_results": total,
        "verified": outcome.ok and synchronized == users and total == users,
    }


def summarise(rows: list[dict[str, Any]], users: int) -> dict[str, Any]:
    walls = [row["seconds"] for row in rows]
    median = statistics.median(walls)
    return {
        "rounds": len(rows),
        "min_s": min(walls),
        "median_s": round(median, 3),
        "max_s": max(walls),
        "requests_per_s": round(statistics.median(row["requests_per_s"] for row in rows), 1),
        "users_per_s": round(users / median, 1),
        "all_verified": all(row["verified"] for row in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000, help="users to push (N)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer-cmd", default=None, help="the scim2-server executable")
    parser.add_argument("--target-s", type=float, default=60.0, help="the issue's bound")
    parser.add_argument("--out", type=Path, default=Path("bench-results/okta-push.json"))
    args = parser.parse_args()

    rows: dict[str, list[dict[str, Any]]] = {}
    for round_number in range(args.rounds):
        for target, port in server_targets(args):
            with running(target, port) as base:
                row = push(base, args.users)
            rows.setdefault(target.name, []).append(row)
            print(json.dumps({"server": target.name, "round": round_number, **row}), flush=True)

    summary: dict[str, Any] = {"users": args.users, "target_s": args.target_s, "servers": {}}
    print(f"\n{'server':<14}{'min s':>9}{'median s':>10}{'max s':>9}{'req/s':>9}{'users/s':>9}"
          f"  verified")  # fmt: skip
    for name, results in rows.items():
        figures = summarise(results, args.users)
        summary["servers"][name] = {**figures, "runs": results}
        print(f"{name:<14}{figures['min_s']:>9.2f}{figures['median_s']:>10.2f}"
              f"{figures['max_s']:>9.2f}{figures['requests_per_s']:>9.1f}"
              f"{figures['users_per_s']:>9.1f}  {figures['all_verified']}")  # fmt: skip
    ours = summary["servers"]["reference"]
    summary["under_target"] = ours["median_s"] < args.target_s
    verdict = "met" if summary["under_target"] else "MISSED"
    print(f"reference median {ours['median_s']:.2f} s for {args.users} users "
          f"(target < {args.target_s:g} s: {verdict})")  # fmt: skip
    if "scim2-server" in summary["servers"]:
        peer = summary["servers"]["scim2-server"]
        summary["ratio_peer_over_ours"] = round(peer["median_s"] / ours["median_s"], 2)
        print(f"scim2-server / reference wall time: ×{summary['ratio_peer_over_ours']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if ours["all_verified"] and summary["under_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
