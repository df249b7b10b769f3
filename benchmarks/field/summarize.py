#!/usr/bin/env python3
"""Print the failed/warning/error entries of scim-harness JSON reports, compactly, for triage.

Usage: summarize.py REPORT.json [...] [--exchanges N] [--body CHARS]
"""

import argparse
import json
import sys


def short(value, limit):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit})"


def show_exchange(ex, limit, indent="      "):
    resp = ex.get("response") or {}
    print(
        f"{indent}{ex.get('method')} {ex.get('url')} -> {resp.get('status')} "
        f"{ex.get('error') or ''}"
    )
    body = (ex.get("request") or {}).get("body")
    if body not in (None, ""):
        print(f"{indent}  req: {short(body, limit)}")
    if resp.get("body") not in (None, ""):
        print(f"{indent}  resp: {short(resp.get('body'), limit)}")


def show_causes(doc, args):
    """One block per root cause: title, its failed/warned/blocked checks, the reproducer's
    evidence exchange; then the errors, which belong to no cause."""
    entries = {e["id"]: e for e in doc["entries"]}
    causes = doc.get("causes") or []
    for n, cause in enumerate(causes, 1):
        parts = [
            f"{k}={len(cause.get(k) or [])}"
            for k in ("failed", "warned", "blocked")
            if cause.get(k)
        ]
        print(f"## {n}. {short(cause.get('title'), args.body)}  [{' '.join(parts)}]")
        for k in ("failed", "warned", "blocked"):
            if cause.get(k):
                print(f"   {k}: {', '.join(cause[k])}")
        rep = entries.get(cause.get("reproducer")) or {}
        f = rep.get("failure") or {}
        if f:
            print(f"   reproducer {rep['id']}: expected {short(f.get('expected'), args.body)}")
        exs = rep.get("exchanges") or []
        idx = f.get("exchange")
        if isinstance(idx, int) and idx < len(exs) and args.exchanges:
            show_exchange(exs[idx], args.body)
    for e in doc["entries"]:
        if e["verdict"] == "error":
            f = e.get("failure") or {}
            print(f"## error {e['id']}: {short(f.get('got') or e.get('message'), args.body)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reports", nargs="+")
    ap.add_argument(
        "--exchanges", type=int, default=1, help="exchanges per entry (the evidence one first)"
    )
    ap.add_argument("--body", type=int, default=400)
    ap.add_argument("--verdicts", default="failed,warning,error")
    ap.add_argument(
        "--causes",
        action="store_true",
        help="print the report's root causes (failed/warned/blocked checks per cause) "
        "and the got of each cause's reproducer, instead of every entry",
    )
    args = ap.parse_args()
    wanted = set(args.verdicts.split(","))
    for path in args.reports:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
        print(
            f"== {path}: source={doc['source']} profile={doc.get('profile')} "
            f"counts={doc['counts']} "
            f"exit={doc['exit_code']} problem={doc.get('problem')}"
        )
        left = (doc.get("cleanup") or {}).get("leftovers") or []
        if left:
            print(f"   leftovers: {len(left)} {short(left, 300)}")
        if args.causes:
            show_causes(doc, args)
            continue
        for e in doc["entries"]:
            if e["verdict"] not in wanted:
                continue
            f = e.get("failure") or {}
            print(
                f"-- [{e['verdict']}/{e.get('level')}] {e['id']}  "
                f"({short(e.get('rule') or '', 80)})"
            )
            if f:
                print(f"   expected: {short(f.get('expected'), args.body)}")
                print(f"   got:      {short(f.get('got'), args.body)}")
            elif e.get("message"):
                print(f"   message: {short(e['message'], args.body)}")
            for s in e.get("steps") or []:
                if s.get("verdict") == "failed":
                    print(
                        f"   step {s.get('index')} line {s.get('line')} {s.get('event')} "
                        f"{short(s.get('argument'), 150)}"
                    )
                    for msg in s.get("failures") or []:
                        print(f"     ! {short(msg, args.body)}")
                    if s.get("okta_message"):
                        print(f"     okta: {short(s['okta_message'], 200)}")
            exs = e.get("exchanges") or []
            idx = f.get("exchange")
            order = ([idx] if isinstance(idx, int) and idx < len(exs) else []) + [
                i for i in range(len(exs)) if i != idx
            ]
            for i in order[: args.exchanges]:
                show_exchange(exs[i], args.body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
