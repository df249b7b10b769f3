"""A rule's text as plain pieces and links to the RFC sections it cites."""

from __future__ import annotations

import re

import pytest

from harness.reports.rules import rule_links

RFC_SECTION = re.compile(r"RFC (\d+) §(\d+(?:\.\d+)*)")


def links(rule: str) -> list[tuple[str, str]]:
    return [(text, url) for text, url in rule_links(rule) if url is not None]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "RFC 7644 §3.4.2.2; RFC 7643 §4.1.1 (policy)",
            [
                ("RFC 7644 §3.4.2.2", "https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.2"),
                ("RFC 7643 §4.1.1", "https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1"),
            ],
        ),
        (
            "RFC 7644 §3.5.2, §3.12 Table 9",
            [
                ("RFC 7644 §3.5.2", "https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2"),
                ("§3.12", "https://www.rfc-editor.org/rfc/rfc7644#section-3.12"),
            ],
        ),
        (
            "RFC 7643 §2.3.7 MAY, RFC 7644 §3.6",
            [
                ("RFC 7643 §2.3.7", "https://www.rfc-editor.org/rfc/rfc7643#section-2.3.7"),
                ("RFC 7644 §3.6", "https://www.rfc-editor.org/rfc/rfc7644#section-3.6"),
            ],
        ),
        ("RFC 6585 §4", [("RFC 6585 §4", "https://www.rfc-editor.org/rfc/rfc6585#section-4")]),
        ("RFC 7643/7644", [("RFC 7643", "https://www.rfc-editor.org/rfc/rfc7643")]),
        ("Okta OIN SPEC test 'Check status 401'", []),
        (
            "RFC 7643 §4.1.1; §7 (returned: never)",
            [
                ("RFC 7643 §4.1.1", "https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1"),
                ("§7", "https://www.rfc-editor.org/rfc/rfc7643#section-7"),
            ],
        ),
        (
            "RFC 7644 §3.3–§3.6",
            [
                ("RFC 7644 §3.3", "https://www.rfc-editor.org/rfc/rfc7644#section-3.3"),
                ("§3.6", "https://www.rfc-editor.org/rfc/rfc7644#section-3.6"),
            ],
        ),
    ],
)
def test_citations_become_links(rule: str, expected: list[tuple[str, str]]) -> None:
    assert links(rule) == expected
    assert "".join(text for text, _ in rule_links(rule)) == rule


@pytest.mark.parametrize(
    "rule",
    [
        "RFC 7644 §3.5.2.3 (value filter with no match → 400 noTarget); pitfalls §10 (Entra)",
        'Entra [T] example ("manager": "<id>"); entra-provisioning.md §3 (accept a string id)',
        "Entra [T] requirements table (§3.4.2: query by externalId), example 1",
    ],
)
def test_a_section_of_another_document_stays_text(rule: str) -> None:
    """``pitfalls §10`` is not RFC 7644 §10; a § before any RFC has no RFC to inherit."""
    assert all("§" not in text or text.startswith("RFC") for text, _ in links(rule))
    assert "".join(text for text, _ in rule_links(rule)) == rule


def test_every_rule_the_tool_cites_round_trips_and_links_each_rfc_section() -> None:
    from harness.conformance.registry import CHECKS
    from harness.conformance.runner import load_checks
    from harness.fuzz.findings import KINDS

    load_checks()
    rules = {check.rule for check in CHECKS.values()} | {kind.rule for kind in KINDS.values()}
    assert len(rules) > 100, "the registry did not load"
    for rule in rules:
        pieces = rule_links(rule)
        assert "".join(text for text, _ in pieces) == rule
        linked = {url for _, url in pieces if url is not None}
        for number, section in RFC_SECTION.findall(rule):
            url = f"https://www.rfc-editor.org/rfc/rfc{number}#section-{section}"
            assert url in linked, (rule, url)
        for text, link in pieces:
            if link is None:
                assert not RFC_SECTION.search(text), (rule, text)
            else:
                assert link.startswith("https://www.rfc-editor.org/rfc/rfc"), link
