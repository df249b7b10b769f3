"""Scenario YAML files as pytest items, as a vendor's CI runs them (pytester)."""

from __future__ import annotations

import textwrap

import pytest

from harness.server.config import ServerConfig
from harness.server.testing import LiveScimServer

pytest_plugins = ["pytester"]

GOOD = """\
name: good-flow
app: {label: Acme}
org: {users: [{login: ada@example.com, firstName: Ada}]}
steps:
  - assign_user: ada@example.com
    expect: {ok: true, scim_user: {login: ada@example.com, active: true}}
"""
BAD = """\
name: bad-flow
app: {label: Acme}
org: {users: [{login: ada@example.com, firstName: Ada}]}
steps:
  - assign_user: ada@example.com
  - update_profile: {login: ada@example.com, profile: {firstName: Augusta}}
    expect: {scim_user: {login: ada@example.com, attributes: {name.givenName: Ada}}}
"""
SLOW = """\
name: slow-flow
tags: [slow]
app: {label: Acme}
org: {users: [{login: ada@example.com}]}
steps:
  - assign_user: ada@example.com
"""


def scenarios(pytester: pytest.Pytester, **files: str) -> None:
    directory = pytester.mkdir("scenarios")
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def test_each_scenario_is_an_item_named_after_it(pytester: pytest.Pytester) -> None:
    scenarios(pytester, good=GOOD, bad=BAD)
    (pytester.path / "flows.scenario.yaml").write_text(GOOD.replace("good-flow", "elsewhere"))
    (pytester.path / "config.yaml").write_text("not: a scenario\n")
    collected = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    collected.stdout.fnmatch_lines(
        [
            "flows.scenario.yaml::elsewhere",
            "scenarios/bad.yaml::bad-flow",
            "scenarios/good.yaml::good-flow",
        ]
    )
    assert "config.yaml" not in collected.stdout.str()


def test_a_failing_scenario_reports_the_runners_failure_text(pytester: pytest.Pytester) -> None:
    scenarios(pytester, good=GOOD, bad=BAD)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario bad-flow (*bad.yaml): FAILED*",
            "*bad.yaml:6: step 1 update_profile ada@example.com {firstName: Augusta} — FAILED*",
            "*name.givenName is 'Augusta' (expected 'Ada')*",
            "*PUT http://scim.test/Users/*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


WARNED = """\
name: warned-flow
app: {label: Acme}
org: {users: []}
steps:
  - optional: true
    request: {method: GET, path: /NoSuchEndpoint}
    expect: {status: 200}
"""


def test_a_scenario_with_warnings_passes_and_shows_them(pytester: pytest.Pytester) -> None:
    scenarios(pytester, warned=WARNED)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*ScenarioWarning*", "*status: expected 200, got HTTP 404*"])


def test_a_file_that_does_not_load_is_a_collection_error(pytester: pytest.Pytester) -> None:
    scenarios(pytester, broken=GOOD.replace("assign_user: ada", "assign_usr: ada"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*broken.yaml:5: steps?0?.assign_usr: unknown key *"])


def test_slow_scenarios_need_dash_m_slow(pytester: pytest.Pytester) -> None:
    scenarios(pytester, good=GOOD, slow=SLOW)
    default = pytester.runpytest("-p", "no:cacheprovider", "-rs", "--strict-markers")
    default.assert_outcomes(passed=1, skipped=1)
    default.stdout.fnmatch_lines(["*scenario tagged slow: select it with -m slow*"])
    pytester.runpytest("-p", "no:cacheprovider", "-m", "slow").assert_outcomes(passed=1)


def test_read_only_runs_skip_every_scenario(pytester: pytest.Pytester) -> None:
    scenarios(pytester, good=GOOD)
    result = pytester.runpytest("-p", "no:cacheprovider", "--scim-read-only")
    result.assert_outcomes(skipped=1)


def test_scenarios_run_against_scim_url_in_a_namespace(pytester: pytest.Pytester) -> None:
    server = LiveScimServer(ServerConfig(token="items-token-x1"))
    try:
        scenarios(pytester, good=GOOD)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ITEMS_TOKEN", "items-token-x1")
            result = pytester.runpytest(
                f"--scim-url={server.base_url}", "--scim-token-env=ITEMS_TOKEN",
                "-p", "no:cacheprovider",
            )  # fmt: skip
        result.assert_outcomes(passed=1)
        listed = server.client().get("/Users").json()
        assert listed["totalResults"] == 0  # cleaned up
    finally:
        server.close()
