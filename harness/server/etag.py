"""HTTP preconditions on SCIM resources (RFC 7644 §3.14, RFC 7232 §3.1–§3.2).

The ETag *value* is ``meta.version``, computed once by the semantics core
(:func:`harness.scim.resources.resource_version`); this module only compares
it with what a client sends. SCIM versions are weak (``W/"…"``, RFC 7644
§3.14 examples). RFC 7232 gives ``If-Match`` strong comparison, which a weak
tag never passes, so — like most SCIM servers — ``If-Match`` compares the
opaque strings, ``W/`` included; ``If-None-Match`` uses weak comparison
(pitfalls §27).
"""

from __future__ import annotations

from harness.scim.errors import precondition_failed


def entity_tags(header: str) -> list[str]:
    """Split a list of entity tags (``W/"a", "b"``); commas inside quotes are kept."""
    tags: list[str] = []
    current: list[str] = []
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            tags.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    tags.append("".join(current).strip())
    return [tag for tag in tags if tag]


def _opaque(tag: str) -> str:
    """The tag without its weakness indicator, for weak comparison (RFC 7232 §2.3.2)."""
    return tag[2:] if tag.startswith("W/") else tag


def check_if_match(header: str | None, current: str) -> None:
    """Raise 412 unless ``If-Match`` is absent, ``*`` or lists ``current`` (RFC 7644 §3.14)."""
    if header is None:
        return
    tags = entity_tags(header)
    if "*" in tags or current in tags:
        return
    raise precondition_failed(
        f"If-Match {header!r} does not match the current version {current}; "
        "GET the resource again and retry."
    )


def not_modified(header: str | None, current: str) -> bool:
    """True when ``If-None-Match`` names the current version (GET then answers 304)."""
    if header is None:
        return False
    tags = entity_tags(header)
    return "*" in tags or _opaque(current) in {_opaque(tag) for tag in tags}
