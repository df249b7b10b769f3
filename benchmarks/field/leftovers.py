#!/usr/bin/env python3
"""List the Users and Groups a harness run left on a server, without trusting its filters.

Pages through /Users and /Groups (startIndex/count) and matches the run prefix(es) from the
report client-side in userName, displayName, externalId and emails.
Usage: leftovers.py REPORT.json BASE_URL  (token in $SCIM_TOKEN). Prints JSON, exit 0.
"""

import json
import os
import sys
import urllib.request


def get(url, token):
    req = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/scim+json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def scan(base, endpoint, token, prefixes, limit=20000):
    found, start, seen = [], 1, 0
    while seen < limit:
        try:
            page = get(f"{base}/{endpoint}?startIndex={start}&count=100", token)
        except Exception as exc:  # a server that cannot list is reported, not fatal
            return found, f"{type(exc).__name__}: {exc}"
        items = page.get("Resources") or []
        for r in items:
            if not isinstance(
                r, dict
            ):  # a server that stored a non-object body (seen: a JSON array)
                r = {"userName": json.dumps(r)[:500], "id": None}
            text = json.dumps(
                [r.get("userName"), r.get("displayName"), r.get("externalId"), r.get("emails")]
            )
            if any(p and p in text for p in prefixes):
                found.append(
                    {
                        "id": r.get("id"),
                        "name": r.get("userName") or r.get("displayName"),
                        "active": r.get("active"),
                    }
                )
        seen += len(items)
        total = page.get("totalResults") or 0
        if not items or seen >= total:
            break
        start += len(items)
    return found, None


def main():
    report, base = sys.argv[1], sys.argv[2].rstrip("/")
    with open(report, encoding="utf-8") as handle:
        doc = json.load(handle)
    prefixes = [p.strip() for p in (doc.get("prefix") or "").split(",") if p.strip()]
    out = {
        "report": os.path.basename(report),
        "prefixes": prefixes,
        "reported_leftovers": len((doc.get("cleanup") or {}).get("leftovers") or []),
    }
    for endpoint in ("Users", "Groups"):
        found, err = scan(base, endpoint, os.environ.get("SCIM_TOKEN", ""), prefixes)
        out[endpoint] = {"count": len(found), "sample": found[:5], "error": err}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
