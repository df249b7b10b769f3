"""A rule's text cut into plain pieces and links to the RFC sections it cites.

Every entry names the rule it enforces as free text, written for a person:
``"RFC 7644 §3.5.2, §3.12 Table 9"``, ``"RFC 7643 §4.1.1; §7 (returned:
never)"``, ``"Okta OIN SPEC test '…'; RFC 7644 §3.4.2"``. The HTML report
turns each citation into a link to the section on rfc-editor.org, so the
reader checks the rule against its source in one click. The text is kept
exactly: joining the pieces gives back the rule.

Citations:

* ``RFC NNNN §X.Y`` links to ``…/rfcNNNN#section-X.Y``;
* a bare ``§X.Y`` that continues a citation (``, §3.12``, ``; §7``,
  ``§3.3–§3.6``, ``(… the §3.12 error)``) inherits the last RFC number;
* a bare ``§`` after a name that is not an RFC (``pitfalls §10``,
  ``entra-provisioning.md §3``) is that document's section, not an RFC's,
  and stays text; so does one before any RFC was named;
* a bare ``RFC NNNN`` links to the RFC.
"""

from __future__ import annotations

import re

RFC_BASE = "https://www.rfc-editor.org/rfc/rfc"

#: One citation: ``RFC 7644 §3.4.2.2``, ``RFC 6585``, or a bare ``§3.12``.
CITATION = re.compile(
    r"(?P<rfc>\bRFC\s?(?P<number>\d{3,5}))(?:\s?§\s?(?P<section>\d+(?:\.\d+)*))?"
    r"|§\s?(?P<bare>\d+(?:\.\d+)*)"
)
#: Words after which a bare ``§`` still continues the RFC cited before it.
CONTINUING_WORDS = frozenset({"and", "or", "the", "as", "see", "also", "in", "to", "of"})
#: Trailing characters after which a bare ``§`` continues the citation
#: (a list, a clause, a range, an opening parenthesis or quote).
CONTINUING_MARKS = ",;(–-—'\"[:"


def rule_links(rule: str) -> list[tuple[str, str | None]]:
    """``rule`` as ``(text, url)`` pieces; ``url`` is None for plain text.

    ``"".join(text for text, _ in rule_links(rule)) == rule`` always holds.
    """
    pieces: list[tuple[str, str | None]] = []
    last_rfc: str | None = None
    position = 0
    for match in CITATION.finditer(rule):
        url: str | None = None
        if match.group("rfc"):
            last_rfc = match.group("number")
            url = rfc_url(last_rfc, match.group("section"))
        elif last_rfc is not None and _continues(rule[: match.start()]):
            url = rfc_url(last_rfc, match.group("bare"))
        if url is None:
            continue  # stays part of the plain text around it
        if match.start() > position:
            pieces.append((rule[position : match.start()], None))
        pieces.append((match.group(0), url))
        position = match.end()
    if position < len(rule):
        pieces.append((rule[position:], None))
    return pieces


def rfc_url(number: str, section: str | None = None) -> str:
    """The rfc-editor.org address of an RFC, or of one of its sections."""
    url = f"{RFC_BASE}{int(number)}"
    return f"{url}#section-{section}" if section else url


def _continues(before: str) -> bool:
    """Whether the text before a bare ``§`` leaves it continuing an RFC citation."""
    stripped = before.rstrip()
    if not stripped:
        return False
    if stripped[-1] in CONTINUING_MARKS:
        return True
    words = stripped.split()
    return words[-1].lower() in CONTINUING_WORDS
