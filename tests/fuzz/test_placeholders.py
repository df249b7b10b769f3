"""Ids become ``{idN}`` only where they are whole values (harness.fuzz.placeholders).

A server whose ids are small integers (``"3"``) once broke the filter
properties: the id was replaced inside ``\\ud83c`` escapes and the run
prefix of the JSON text, which then no longer parsed.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.fuzz.campaign import CampaignOptions, run_campaign
from harness.fuzz.placeholders import (
    fill_value,
    referenced,
    segment,
    template_path,
    template_text,
    template_value,
)
from harness.fuzz.target import item_path, list_path
from tests.fuzz.servers import TOKEN, integer_id_app

IDS = ["3", "13", "8"]


def test_a_json_value_keeps_every_string_that_is_not_an_id() -> None:
    body = {
        "userName": "scimh-fz-3a3b3c-\ud83c\udf89-3",
        "members": [{"value": "3"}, {"value": "13"}, {"value": "33"}],
        "count": 3,
        "manager": {"value": "8", "displayName": "3"},
    }
    out = template_value(body, IDS)
    assert out["userName"] == body["userName"]
    assert out["members"] == [{"value": "{id0}"}, {"value": "{id1}"}, {"value": "33"}]
    assert out["count"] == 3
    # a displayName of "3" is a whole value equal to an id: it is replaced too
    assert out["manager"] == {"value": "{id2}", "displayName": "{id0}"}
    assert fill_value(out, IDS) == body


def test_an_id_in_a_patch_path_filter_is_a_quoted_literal() -> None:
    body = {
        "Operations": [
            {"op": "remove", "path": 'members[value eq "3"]'},
            {"op": "add", "path": "emails", "value": [{"value": "x3@3.org"}]},
        ]
    }
    out = template_value(body, IDS)
    assert out["Operations"][0]["path"] == 'members[value eq "{id0}"]'
    assert out["Operations"][1] == body["Operations"][1]
    assert referenced(out) == {0}
    assert fill_value(out, ['a"b'])["Operations"][0]["path"] == 'members[value eq "a\\"b"]'


def test_paths_replace_segments_and_filter_literals_only() -> None:
    assert template_path("/Users/3", IDS) == "/Users/{id0}"
    listing = list_path("Groups", {"filter": 'members.value eq "13"', "count": 3})
    assert template_path(listing, IDS) == ("/Groups?filter=members.value+eq+%22{id1}%22&count=3")
    untouched = list_path("Users", {"filter": 'userName sw "scimh-fz-3"', "count": 3})
    assert template_path(untouched, IDS) == untouched
    assert item_path("Users", "a/b c") == "/Users/a%2Fb%20c"
    assert segment("3") == "3"


def test_sentences_replace_quoted_ids_and_path_segments() -> None:
    text = 'PATCH /Users/3 {"value": "13"}: returned 3 resource(s): [\'8\']'
    assert template_text(text, IDS) == (
        'PATCH /Users/{id0} {"value": "{id1}"}: returned 3 resource(s): [\'{id2}\']'
    )


@pytest.mark.parametrize(
    "name", ["filters-users", "filters-groups", "patch-users", "patch-groups", "paging", "stateful"]
)
def test_a_server_with_integer_ids_is_fuzzed_without_findings(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app: Any = integer_id_app(monkeypatch)
    examples = 15 if name == "stateful" else 40
    options = CampaignOptions(
        app=app, token=TOKEN, seed=11, properties=[name], max_examples=examples
    )
    result = run_campaign(options)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
    assert prop.examples >= examples
