"""Run the peer tester scim2-tester (python-scim, PyPI) against a SCIM base URL.

On demand, not in CI: it needs scim2-tester installed in its own environment
(``pip install scim2-tester==0.5.2 "scim2-client[httpx2]"`` — it pins its own
pydantic stack, so keep it out of the project's venv). Prints one line per check and a summary;
exit 1 when any check ends in ERROR or CRITICAL.

    python benchmarks/peer_scim2_tester.py http://127.0.0.1:8000 --token-env SCIM_TOKEN
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

import httpx2 as httpx
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

FAILING = {Status.ERROR, Status.CRITICAL}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--token-env", default="SCIM_TOKEN")
    parser.add_argument("--quiet", action="store_true", help="print only failing checks")
    args = parser.parse_args()
    token = os.environ.get(args.token_env, "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=args.url, headers=headers, timeout=30) as http:
        client = SyncSCIMClient(http)
        results = check_server(client)
    counts: collections.Counter[str] = collections.Counter()
    for result in results:
        counts[result.status.name] += 1
        if not args.quiet or result.status in FAILING:
            where = f"[{result.resource_type}] " if result.resource_type else ""
            print(f"{result.status.name:10} {where}{result.title}: {result.reason or ''}")
    summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    print(f"summary: {summary}, total={len(results)}")
    return 1 if any(r.status in FAILING for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
