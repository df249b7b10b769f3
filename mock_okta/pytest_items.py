"""Scenario files as pytest items: ``pytest scenarios/`` runs each one as a test.

Why: a vendor's CI already runs pytest; with the harness installed (the
``pytest11`` plugin, :mod:`harness.plugin`), ``pytest path/to/scenarios/``
collects every ``*.yaml`` in a directory named ``scenarios`` — and any
``*.scenario.yaml`` anywhere — as one item named after the scenario. An
item runs :func:`mock_okta.runner.run_scenario` against ``--scim-url`` (the
token from ``--scim-token-env``, a random ``scimh-`` namespace unless
``--scim-prefix`` is given), or against a fresh in-process reference server
when no URL is given. A failing item reports the runner's failure text
(file:line, step, expected/found, Okta's message, the exchanges), a file
that does not load is a collection error with the loader's
``file:line: field: message`` lines.

Selection: scenarios tagged ``slow`` carry the ``slow`` marker and are
skipped unless the ``-m`` expression names ``slow`` (``pytest -m slow``,
``-m "slow or not slow"``); every scenario carries ``scim_mutating``, so
``--scim-read-only`` skips them all.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from harness.plugin import ScimSettings
from mock_okta.results import ScenarioResult
from mock_okta.runner import RunTarget, run_scenario
from mock_okta.scenario import Scenario, ScenarioError, load_scenario

SLOW = "slow"
SLOW_MARKER = "slow: a long mock Okta scenario; runs only when -m selects slow"
SLOW_REASON = "scenario tagged slow: select it with -m slow"


def is_scenario_file(path: Path) -> bool:
    """``*.yaml`` in a directory named ``scenarios``, or ``*.scenario.yaml`` anywhere."""
    if path.name.endswith(".scenario.yaml"):
        return True
    return path.suffix == ".yaml" and path.parent.name == "scenarios"


def collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    """The ``pytest_collect_file`` hook's work (registered in :mod:`harness.plugin`)."""
    if not is_scenario_file(file_path):
        return None
    collected: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
    return collected


class ScenarioWarning(UserWarning):
    """A scenario that passed with warnings (an optional step failed, or a finding
    Okta itself would not fail on); the text says what each costs."""


class ScenarioFailed(Exception):
    """The scenario did not pass; carries the runner's result for :meth:`repr_failure`."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.failure_text())
        self.result = result


class ScenarioFile(pytest.File):
    def collect(self) -> list[ScenarioItem]:
        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:
            raise self.CollectError(str(exc)) from None
        item: ScenarioItem = ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
        return [item]


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.add_marker("scim_mutating")
        if SLOW in scenario.tags:
            self.config.addinivalue_line("markers", SLOW_MARKER)
            self.add_marker(SLOW)

    def runtest(self) -> None:
        if SLOW in self.scenario.tags and SLOW not in (self.config.option.markexpr or ""):
            pytest.skip(SLOW_REASON)
        settings = _settings(self.config)
        if settings.url:
            target = RunTarget(url=settings.url, token=settings.token, timeout=settings.timeout)
            result = run_scenario(self.scenario, target, prefix=settings.prefix or None)
        else:
            from harness.server.app import create_app
            from mock_okta.embedded import one_off_config, target_for

            config = one_off_config()
            app = create_app(config)
            try:
                target = target_for(config, app=app, timeout=settings.timeout)
                result = run_scenario(self.scenario, target, prefix=settings.prefix or "")
            finally:
                app.state.store.close()
        if result.verdict == "skipped":
            pytest.skip(result.reason or "skipped")
        if not result.passed:
            raise ScenarioFailed(result)
        if result.verdict == "warning":
            # Passed, with findings Okta would not fail on: shown in pytest's warnings summary.
            warnings.warn(ScenarioWarning(result.failure_text()), stacklevel=1)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        if isinstance(excinfo.value, ScenarioFailed):
            return excinfo.value.result.failure_text()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.scenario.name}"


def _settings(config: pytest.Config) -> ScimSettings:
    """The ``scim`` options; the prefix stays empty unless given (the runner picks one
    per scenario against a URL)."""
    return ScimSettings(
        url=config.getoption("scim_url", None),
        token_env=config.getoption("scim_token_env", "SCIM_TOKEN"),
        profile=config.getoption("scim_profile", "rfc"),
        timeout=config.getoption("scim_timeout", 10.0),
        prefix=config.getoption("scim_prefix", None) or "",
        read_only=config.getoption("scim_read_only", False),
    )
