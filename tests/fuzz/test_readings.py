"""Readings the RFCs leave open: the filter oracle accepts each, and nothing else.

Found against scim2-server 0.8.3 (issue 6): it compares ``profileUrl`` case-
exactly (as its /Schemas announces; RFC 7643 §2.3.7) where our core follows
the §8.7.1 schema (caseExact false), and it NFC-normalises text. Neither is a
defect, so neither may be reported; a result no reading explains still is.
"""

from __future__ import annotations

from typing import Any

from harness.fuzz.oracles import filter_oracle
from harness.fuzz.readings import READINGS, alternatives, references_read
from harness.scim.filters import compile_filter, matches
from harness.scim.schema import USER
from harness.server.faults import Fault, rewrite_filter
from tests.fuzz.test_oracles import faulty, make_target, users

__all__ = ["make_target"]  # the fixture, imported for pytest

LAMB = "http://www.lamb.org/"


def answering_nothing_to(marker: str) -> Fault:
    """A target whose answer to any filter holding ``marker`` is empty."""
    return Fault(
        "fuzz-reads-otherwise",
        f"Filters holding {marker!r} select nothing.",
        "test",
        ("fuzz",),
        request=(rewrite_filter(lambda text: 'userName eq "-none-"' if marker in text else text),),
    )


def test_a_case_exact_reference_comparison_is_accepted(make_target: Any) -> None:
    """RFC 7643 §2.3.7 vs §8.7.1: profileUrl compared case-exactly is a valid reading."""
    target = make_target(faulty(answering_nothing_to("HTTP://")))
    with target.example():
        users(target, {"profileUrl": LAMB})
        assert filter_oracle(target, "Users", 'profileUrl eq "HTTP://WWW.LAMB.ORG/"') == []


def test_nfc_normalised_comparison_is_accepted(make_target: Any) -> None:
    target = make_target(faulty(answering_nothing_to("\\u0301")))
    with target.example():
        users(target, {"title": "Jose\u0301"})
        text = 'title co "\\u0301"'
        assert filter_oracle(target, "Users", text) == []


def test_a_result_no_reading_explains_is_still_a_finding(make_target: Any) -> None:
    target = make_target(faulty(answering_nothing_to("title")))
    with target.example():
        users(target, {"title": "Lamb", "profileUrl": LAMB})
        findings = filter_oracle(target, "Users", 'title eq "lamb"')
    assert [f.kind for f in findings] == ["filter-differential"]


def test_each_reading_changes_what_it_says_it_changes() -> None:
    resource = {"id": "u1", "profileUrl": LAMB, "title": "Jose\u0301", "userName": "Ann"}
    cases = {
        'profileUrl eq "HTTP://WWW.LAMB.ORG/"': {
            "references-case-exact": [],
            "references-case-insensitive": ["u1"],
            "unknown-on-unassigned": ["u1"],
            "nfc": ["u1"],
        },
        'title co "\\u0301"': {
            "references-case-exact": ["u1"],
            "references-case-insensitive": ["u1"],
            "unknown-on-unassigned": ["u1"],
            "nfc": [],
        },
        'userName eq "ann"': {reading.name: ["u1"] for reading in READINGS},
    }
    for text, wanted in cases.items():
        expr = compile_filter(text, USER)
        got = {reading.name: ids for reading, ids in alternatives(expr, [resource], USER)}
        assert got == wanted, text


def test_common_attributes_are_reread_too() -> None:
    """``schemas`` and ``meta.location`` live outside any schema (RFC 7643 §3.1)."""
    resource = {"id": "u1", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    expr = compile_filter('schemas co "USER"', USER)
    assert matches(expr, resource, references_read(USER, False))
    assert not matches(expr, resource, references_read(USER, True))


def test_unknown_on_unassigned_reads_ne_and_not_in_three_valued_logic() -> None:
    """RFC 7644 §3.4.2.2 is silent on ``ne``/``not`` over an unassigned attribute: the core
    says true, a SQL store says unknown; only the unassigned resource's answer changes."""
    with_email = {"id": "u1", "userName": "a", "emails": [{"value": "a@x"}], "title": "t"}
    without = {"id": "u2", "userName": "b", "phoneNumbers": [{"type": "work"}]}
    listing = [with_email, without]
    cases = {
        'emails ne "b@x"': (["u1", "u2"], ["u1"]),
        'phoneNumbers ne "1"': (["u1", "u2"], []),  # compares phoneNumbers.value
        'not (title eq "z")': (["u1", "u2"], ["u1"]),
        'not (title eq "t")': (["u2"], []),
        'not (title eq "z" or userName eq "b")': (["u1"], ["u1"]),
        'not (title eq "t" and userName eq "zz")': (["u1", "u2"], ["u1", "u2"]),
        "not (title pr)": (["u2"], ["u2"]),
        'emails[not (value eq "a@x")] or userName eq "a"': (["u1"], ["u1"]),
    }
    for text, (core, sql) in cases.items():
        expr = compile_filter(text, USER)
        assert [item["id"] for item in listing if matches(expr, item, USER)] == core, text
        got = dict(alternatives(expr, listing, USER))
        reading = next(r for r in READINGS if r.name == "unknown-on-unassigned")
        assert got[reading] == sql, text
