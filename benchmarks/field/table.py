#!/usr/bin/env python3
"""Markdown table of the counts of a run_corpus.sh output directory.

Usage: table.py OUTDIR   (one row per server subdirectory)
"""

import json
import os
import sys


def load(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _run_cell(doc):
    """``failed (causes) / warnings / blocked``: causes and blocked only where the
    report has them (reports written before root causes and ``blocked`` existed)."""
    c = doc["counts"]
    causes = doc.get("causes")
    failed = str(c.get("failed", "–"))
    if causes is not None:
        failed += f" ({sum(1 for cause in causes if cause.get('failed'))})"
    cell = f"{failed} / {c.get('warning', '–')}"
    return cell + (f" / {c['blocked']}" if "blocked" in c else "")


def main():
    out = sys.argv[1]
    print(
        "| server | rfc failed (causes) / warn / blocked | okta … | entra … "
        "| okta run scenarios failed | "
        "fuzz findings (examples, s) | leftovers reported / found by scan |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in sorted(os.listdir(out)):
        d = os.path.join(out, name)
        if not os.path.isdir(d) or not os.path.exists(os.path.join(d, "run-rfc.json")):
            continue
        cells = [name]
        reported = found = 0
        for profile in ("rfc", "okta", "entra"):
            doc = load(os.path.join(d, f"run-{profile}.json"))
            cells.append(_run_cell(doc) if doc else "–")
        okta = load(os.path.join(d, "okta-run.json"))
        cells.append(
            f"{okta['counts']['failed'] + okta['counts']['error']} of "
            f"{okta['counts']['total'] - okta['counts']['skipped']}"
            if okta
            else "–"
        )
        fuzz = load(os.path.join(d, "fuzz.json"))
        if fuzz:
            f = fuzz.get("facts") or {}
            cells.append(f"{f.get('findings')} ({f.get('examples')}, {f.get('duration_s')})")
        else:
            cells.append("–")
        for rep in ("run-rfc", "run-okta", "run-entra", "okta-run", "fuzz"):
            left = load(os.path.join(d, f"leftovers-{rep}.json")) or {}
            reported += left.get("reported_leftovers", 0) or 0
            found += sum((left.get(k) or {}).get("count", 0) for k in ("Users", "Groups"))
        cells.append(f"{reported} / {found}")
        print("| " + " | ".join(str(c) for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
