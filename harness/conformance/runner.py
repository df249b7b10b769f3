"""Run the conformance suite as a program: preflight, pytest, verdicts, exit code.

``scim-harness run`` and the project's mutation tests call :func:`run_suite`.
It checks first that the target answers and accepts the credentials (a gate
that cannot reach its target must say so in one line and exit 2, not fail
200 checks), then runs this package's checks with pytest in-process, with
:class:`Collector` as a plugin gathering each check's
:class:`~harness.conformance.results.CheckResult`, and finally applies the
baseline and computes the exit code:

* 0 — every required check passed (or each failure is in the baseline);
* 1 — at least one required check failed;
* 2 — usage error, target unreachable, or authentication refused;
* 130 — interrupted (Ctrl-C); what the run created is still cleaned up.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from harness.client import ScimClient
from harness.conformance.registry import CHECKS, PROFILES
from harness.conformance.results import (
    BaselineError,
    CheckResult,
    RunResult,
    read_baseline,
)
from harness.plugin import TARGET_OVERRIDE, TargetOverride

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
SUITE_DIR = Path(__file__).parent
AUTOLOAD_SWITCH = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"

Progress = Callable[[CheckResult, int, int], None]


@dataclass
class RunOptions:
    """What to run against what; mirrors the ``scim-harness run`` flags."""

    url: str | None = None
    #: An ASGI app to test in-process instead of a URL (tests, mutation suite).
    app: Any = None
    token_env: str = "SCIM_TOKEN"
    #: The token itself, for a target this process started (never from argv).
    token: str | None = None
    profile: str = "rfc"
    timeout: float = 10.0
    read_only: bool = False
    select: list[str] = field(default_factory=list)
    deselect: list[str] = field(default_factory=list)
    prefix: str | None = None
    baseline: str | None = None
    progress: Progress | None = None
    #: Parallel worker processes (pytest-xdist, one module per worker at a
    #: time); a URL target only. Worth it against a remote endpoint, where
    #: each request waits on the network.
    workers: int = 1
    #: Extra pytest arguments (e.g. ``-x``); not part of the CLI.
    pytest_args: list[str] = field(default_factory=list)

    def resolved_token(self) -> str | None:
        return self.token if self.token is not None else os.environ.get(self.token_env) or None

    def describe_target(self) -> str:
        if self.url:
            return self.url
        return "in-process app" if self.app is not None else "reference server"


class Collector:
    """pytest plugin: hands the target over and gathers each check's result.

    In-process the verdict is read from the item's stash; with xdist workers
    it arrives in each report's ``user_properties`` and the cleanup summary in
    each worker's ``workeroutput`` (see the conformance conftest).
    """

    def __init__(self, override: TargetOverride, progress: Progress | None) -> None:
        self.override = override
        self.progress = progress
        self.results: list[CheckResult] = []
        self.total = 0
        self.target: Any = None
        #: Summaries of the workers' targets (capabilities, leftovers, removed).
        self.summaries: list[dict[str, Any]] = []
        self._pending: dict[str, dict[str, Any]] = {}

    def _add(self, result: CheckResult) -> None:
        self.results.append(result)
        if self.progress is not None:
            self.progress(result, len(self.results), self.total)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        from harness.conformance.conftest import WORKER_PROPERTY

        for name, value in report.user_properties:
            if name == WORKER_PROPERTY and isinstance(value, dict):
                self._pending[report.nodeid] = value

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        data = self._pending.pop(nodeid, None)
        if data is not None:
            self._add(CheckResult.from_json(data))

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: known only with workers
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        from harness.conformance.conftest import WORKER_PROPERTY

        summary = getattr(node, "workeroutput", {}).get(WORKER_PROPERTY)
        if summary is not None:
            self.summaries.append(summary)

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[TARGET_OVERRIDE] = self.override
        # Native tracebacks (the option belongs to the terminal plugin, which
        # the runner leaves out): pytest's own style re-parses source with
        # ``ast``, which beside a live server thread sometimes died with
        # CPython 3.11's "AST constructor recursion depth mismatch", turning
        # one check's error into an internal error of the whole run.
        config.option.tbstyle = "native"

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, None, None]:
        from harness.conformance.conftest import RESULT_KEY

        yield
        result = item.stash.get(RESULT_KEY, None)
        if result is not None:
            self._add(result)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from harness.conformance.conftest import TARGET_KEY

        # Read after pytest.main returns: the target's cleanup (a fixture
        # teardown) may still run after this hook.
        self.target = session.config.stash.get(TARGET_KEY, None)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def preflight(client: ScimClient, options: RunOptions) -> str | None:
    """One line saying why the run cannot start, or None when the target is usable."""
    spc = client.get("/ServiceProviderConfig")
    if spc.status is None:
        return f"target unreachable: {client.base_url}: {spc.error}"
    probe = client.get("/Users", params={"count": 1})
    for response in (probe, spc):
        if response.status in (401, 403):
            hint = ""
            if options.resolved_token() is None:
                hint = f" (the environment variable {options.token_env} is not set)"
            return (
                f"authentication refused: GET {response.exchange.url} → HTTP "
                f"{response.status}{hint}"
            )
    if probe.status is None:
        return f"target unreachable: GET /Users: {probe.error}"
    return None


def pytest_arguments(options: RunOptions, prefix: str) -> list[str]:
    """pytest's command line for a run: this package only, no ini file of the
    caller's project, no cache, no terminal output (the runner reports), and
    ``--assert=plain`` — checks never use bare ``assert`` (they raise
    CheckFailed), and rewriting every module of the distribution cost more
    than a second per run."""
    here = str(SUITE_DIR)
    args = [
        here,
        "-c", os.devnull, "--rootdir", here, "--confcutdir", here,
        "-p", "no:cacheprovider", "-p", "no:terminal",
        "-p", "harness.plugin", "--assert=plain",
        "--scim-profile", options.profile,
        "--scim-timeout", str(options.timeout),
        "--scim-prefix", prefix,
        "--scim-token-env", options.token_env,
    ]  # fmt: skip
    if options.workers > 1:
        # Workers get no stash: they reach the target by URL and read the
        # token from the environment variable, like a plain pytest run.
        args += ["-p", "xdist.plugin", "-n", str(options.workers), "--dist", "loadfile"]
        args += ["--scim-url", str(options.url)]
    if options.read_only:
        args.append("--scim-read-only")
    for pattern in options.select:
        args += ["--scim-select", pattern]
    for pattern in options.deselect:
        args += ["--scim-deselect", pattern]
    return args + list(options.pytest_args)


def run_suite(options: RunOptions) -> RunResult:
    """Run every selected check against the target; never raises for the target's faults."""
    if options.profile not in PROFILES:
        raise ValueError(f"unknown profile {options.profile!r}; one of {', '.join(PROFILES)}")
    prefix = options.prefix or f"scimh-{secrets.token_hex(3)}-"
    result = RunResult(
        target=options.describe_target(), profile=options.profile, prefix=prefix, started_at=now()
    )
    known: list[str] = []
    try:
        if options.baseline:
            known = read_baseline(options.baseline)
    except BaselineError as exc:
        return _stop(result, str(exc), EXIT_USAGE)
    token = options.resolved_token()
    override = TargetOverride(base_url=options.url, app=options.app, token=token)
    client = _client(override, options)
    try:
        problem = preflight(client, options)
    except KeyboardInterrupt:
        result.interrupted = True
        return _stop(result, "interrupted", EXIT_INTERRUPTED)
    finally:
        client.close()
    if problem:
        return _stop(result, problem, EXIT_USAGE)

    if options.workers > 1 and not options.url:
        raise ValueError("parallel workers need a URL target")
    collector = Collector(override, options.progress)
    with (
        _environment(AUTOLOAD_SWITCH, "1"),
        _environment(options.token_env, token if options.workers > 1 else None),
    ):
        code = pytest.main(pytest_arguments(options, prefix), plugins=[collector])
    order = {check_id: index for index, check_id in enumerate(CHECKS)}
    result.checks = sorted(collector.results, key=lambda r: order.get(r.id, len(order)))
    result.finished_at = now()
    if collector.target is not None:
        from harness.conformance.conftest import target_summary

        collector.summaries.append(target_summary(collector.target))
    for summary in collector.summaries:
        result.capabilities = result.capabilities or summary["capabilities"]
        result.leftovers += summary["leftovers"]
        result.removed += summary["removed"]
        result.cleanup_notes += summary.get("notes") or []
    if options.workers > 1 and not options.read_only:
        removed, leftovers = _sweep(override, options, prefix)
        result.removed += removed
        listed = {(item["endpoint"], item["id"]) for item in result.leftovers}
        result.leftovers += [i for i in leftovers if (i["endpoint"], i["id"]) not in listed]
    if options.baseline:
        result.apply_baseline(options.baseline, known)
    if code == pytest.ExitCode.INTERRUPTED:
        result.interrupted = True
        result.exit_code = EXIT_INTERRUPTED
    elif code == pytest.ExitCode.NO_TESTS_COLLECTED or (code == 0 and not result.checks):
        return _stop(result, "no check matches the selection", EXIT_USAGE)
    elif code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        return _stop(result, f"the suite could not run (pytest exit {int(code)})", EXIT_USAGE)
    elif not any(check.verdict in JUDGED for check in result.checks):
        # A run that checked nothing is not a pass (every check skipped or blocked).
        return _stop(result, nothing_validated(result.checks), EXIT_USAGE)
    else:
        result.exit_code = EXIT_FAILURES if result.blocking() else EXIT_OK
    return result


#: Verdicts that judged the target: a run with none of them validated nothing.
JUDGED = frozenset({"passed", "failed", "warning"})


def nothing_validated(checks: list[CheckResult]) -> str:
    """The one sentence for a run in which no check judged anything, with the commonest reason."""
    from collections import Counter

    reasons = Counter(
        check.message if check.verdict == "skipped" else f"blocked: {check.blocked_by}"
        for check in checks
    )
    reason, count = reasons.most_common(1)[0]
    return (
        f"nothing was validated: all {len(checks)} selected checks were skipped or blocked "
        f"({count} × {reason})"
    )


def _sweep(
    override: TargetOverride, options: RunOptions, prefix: str
) -> tuple[int, list[dict[str, str]]]:
    """Remove what the workers created and did not remove (a worker killed by
    Ctrl-C stops without its own cleanup); the run prefix covers every worker's.
    What the sweep finds and cannot remove (a DELETE that only deactivates) is
    returned as leftovers: the report lists everything still there."""
    from harness.conformance.capabilities import Capabilities
    from harness.conformance.target import Target

    with _client(override, options) as client:
        sweeper = Target(client, Capabilities.from_spc(None), prefix=prefix)
        sweeper.sweep()
        sweeper.verify()
        return sweeper.removed, [item.to_json() for item in sweeper.leftovers]


@contextmanager
def _environment(variable: str, value: str | None) -> Iterator[None]:
    """Set one environment variable for the length of a block, then restore it.

    Used to hand a token this process holds to worker processes (never through
    argv, which other users of the machine can read), and to switch pytest's
    plugin autoload off: only this harness's plugin belongs in the gate —
    whatever else is installed (hypothesis, pytest-benchmark, a vendor's own
    plugins) costs start-up time. ``None`` leaves the variable alone.
    """
    saved = os.environ.get(variable)
    if value is not None:
        os.environ[variable] = value
    try:
        yield
    finally:
        if value is not None:
            if saved is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = saved


def _client(override: TargetOverride, options: RunOptions) -> ScimClient:
    if override.app is not None:
        return ScimClient.in_process(override.app, override.token, timeout=options.timeout)
    if not override.base_url:
        raise ValueError("run_suite needs a URL or an app")
    return ScimClient(override.base_url, override.token, timeout=options.timeout)


def _stop(result: RunResult, problem: str, code: int) -> RunResult:
    result.problem = problem
    result.exit_code = code
    result.finished_at = now()
    return result


def load_checks(directory: str | Path = SUITE_DIR) -> None:
    """Import every check module so :data:`~harness.conformance.registry.CHECKS` is full."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules([str(directory)]):
        if module.name.startswith("test_"):
            importlib.import_module(f"harness.conformance.{module.name}")
