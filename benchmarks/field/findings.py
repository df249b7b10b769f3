#!/usr/bin/env python3
"""Markdown tables of the fuzz findings and Okta scenario verdicts of a run_corpus.sh
output directory, one section per server, for triage in docs/field-results.md.

Usage: findings.py OUTDIR [SERVER...]
"""

import os
import sys
from collections import Counter

from table import load  # the same script directory: one reader of a report file


def cell(text, limit=160):
    text = " ".join(str(text or "").split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fuzz_table(doc):
    facts = doc.get("facts") or {}
    print(
        f"fuzz: exit {doc['exit_code']}, {facts.get('examples', '?')} examples, "
        f"{facts.get('findings', '?')} finding(s), {facts.get('duration_s', '?')} s\n"
    )
    print("| # | verdict | property | kind | finding |")
    print("|---|---|---|---|---|")
    n = 0
    for entry in doc["entries"]:
        if entry["verdict"] == "passed":
            continue
        n += 1
        area = entry.get("area") or ""
        kind = entry["id"].split(".")[-1] if entry["id"].count(".") >= 2 else entry["verdict"]
        print(f"| {n} | {entry['verdict']} | {area} | {kind} | {cell(entry['title'])} |")
    for entry in doc["entries"]:
        answers = (entry.get("details") or {}).get("answers") or {}
        fives = [
            f"{shape} → {status}: {count}"
            for shape, statuses in answers.items()
            for status, count in statuses.items()
            if str(status).startswith("5")
        ]
        if fives:
            print(f"\n5xx answers seen by {entry.get('area')}: {cell(', '.join(fives), 400)}")
    print()


def okta_table(doc, kind):
    counts = Counter(entry["verdict"] for entry in doc["entries"])
    print(
        f"okta run --app-kind {kind}: exit {doc['exit_code']}, "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + "\n"
    )
    print(
        "| scenario | verdict | steps passed/warned/failed/blocked/skipped "
        "| first failure or warning |"
    )
    print("|---|---|---|---|")
    for entry in doc["entries"]:
        steps = entry.get("steps") or []
        c = Counter(step["verdict"] for step in steps)
        first = next((s for s in steps if s["verdict"] in ("failed", "error")), None) or next(
            (s for s in steps if s["verdict"] == "warning" or s.get("warnings")), None
        )
        why = ""
        if first:
            text = (first.get("failures") or first.get("warnings") or [first.get("reason") or ""])[
                0
            ]
            why = f"step {first['index']} {first['event']}: {text}"
        elif entry["verdict"] not in ("passed",):
            why = entry.get("message") or ""
        counts = "/".join(str(c[v]) for v in ("passed", "warning", "failed", "blocked", "skipped"))
        print(
            f"| {entry['id'].removeprefix('scenario.')} | {entry['verdict']} | {counts} "
            f"| {cell(why)} |"
        )
    print()


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or sorted(
        n for n in os.listdir(out) if os.path.isdir(os.path.join(out, n))
    )
    for name in names:
        print(f"#### {name}\n")
        doc = load(os.path.join(out, name, "fuzz.json"))
        if doc:
            fuzz_table(doc)
        for kind in ("custom", "oin"):
            doc = load(os.path.join(out, name, f"okta-run-{kind}.json"))
            if doc:
                okta_table(doc, kind)


if __name__ == "__main__":
    main()
