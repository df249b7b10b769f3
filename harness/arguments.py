"""Command-line values every producer parses the same way: the target URL, check ids.

A CI gate that validates the wrong target and prints PASS is worse than no
gate. Two rules keep that from happening, for ``run``, ``fuzz`` and
``okta run`` alike:

* a URL given on the command line is always the target, and anything that
  is not an absolute ``http``/``https`` URL is a usage error (exit 2) — a
  check id or a typo never falls back to the embedded reference server;
* ``--select``/``--deselect`` take one value each (repeat the option, or
  separate ids with commas), so they can never swallow the URL that follows
  them (``--select 'disc.*' https://…`` once made the URL a second check id).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from urllib.parse import urlsplit

#: Schemes a SCIM service provider is reached over (RFC 7644 §2: HTTP, over TLS in production).
URL_SCHEMES = ("http", "https")


def target_url(value: str) -> str:
    """An argparse ``type``: ``value`` as the target's base URL, or a usage error."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in URL_SCHEMES or not parts.netloc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a SCIM base URL (expected http:// or https://…; "
            "check ids go after --select/--deselect, one per option or comma-separated)"
        )
    return value.strip()


def id_patterns(values: Iterable[str]) -> list[str]:
    """The check-id patterns of repeated ``--select ID[,ID…]`` options, flattened."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def add_id_selection(parser: argparse.ArgumentParser, dest_prefix: str = "") -> None:
    """``--select`` and ``--deselect``: repeatable, one value each (globs, commas)."""
    parser.add_argument(
        "--select", dest=f"{dest_prefix}select", action="append", default=[],
        metavar="ID[,ID…]",
        help="run only these check ids (globs such as 'filter.*'); repeat or separate by commas",
    )  # fmt: skip
    parser.add_argument(
        "--deselect", dest=f"{dest_prefix}deselect", action="append", default=[],
        metavar="ID[,ID…]",
        help="leave out these check ids (globs); repeat or separate by commas",
    )  # fmt: skip
