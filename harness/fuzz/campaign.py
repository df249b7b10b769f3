"""A fuzzing campaign: named properties run with hypothesis against one target, within a budget.

A property (:data:`PROPERTIES`, data not branches) is one kind of example:
draw resources with the run prefix, create them, draw a filter or a PATCH,
ask an oracle. Each is wrapped in a hypothesis test that ends with
:func:`~harness.fuzz.findings.assert_no_findings`, so a failure is shrunk to
a minimal example and the findings of that final example are the ones kept.

Hypothesis has no wall-clock stop, so a property runs in *chunks* of
examples (each chunk its own seed, derived from the campaign seed, so a
campaign is reproducible from its seed) and the campaign stops between
chunks when the property's share of the duration is spent. The example
database (``DirectoryBasedExampleDatabase``) is shared: a failure found once
is replayed first by the next run, on any machine the directory is copied to.
What an example creates is deleted when it ends; the run ends with a prefix
sweep (:meth:`FuzzTarget.cleanup`).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import math
import random
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import HypothesisDeprecationWarning, HypothesisWarning, Unsatisfiable

from harness.client import ScimClient
from harness.fuzz.accounting import DEFAULT_MAX_FINDINGS, Ledger, OutOfTime
from harness.fuzz.findings import Finding, FindingsFailed, assert_no_findings, unique
from harness.fuzz.oracles import (
    filter_oracle,
    invariants,
    membership_oracle,
    paging_oracle,
    patch_oracle,
)
from harness.fuzz.placeholders import fill_value, placeholder
from harness.fuzz.population import Population, build_population, create_all
from harness.fuzz.target import FuzzTarget, new_prefix
from harness.scim.compat import DEFAULT
from harness.scim.resources import prepare_create
from harness.scim.schema import GROUP, USER, ResourceType

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: Examples per property when neither a count nor a duration is given.
DEFAULT_EXAMPLES = 100
#: Bounds of a chunk (examples per hypothesis run).
MIN_CHUNK, MAX_CHUNK = 10, 500
#: Seconds at least for reducing one finding's recipe, even when the share is spent.
MIN_REDUCE_S = 0.5
#: The share of a property's time its search may use; the rest reduces the recipes.
SEARCH_SHARE = 0.85
#: At most this many examples query one population: a long campaign sees many.
POPULATED_CHUNK = 200

Example = Callable[[FuzzTarget, st.DataObject, Population | None], list[Finding]]
Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Property:
    """One named kind of example and the rule it probes."""

    name: str
    rule: str
    description: str
    #: Draws and judges one example; None for a property with its own runner (stateful).
    example: Example | None = None
    #: The examples of a chunk query one population made for the chunk
    #: (:mod:`harness.fuzz.population`) instead of creating their own resources.
    populated: bool = False


def _strategies(module: str) -> Any:
    """A strategies module of this package (imported on first use)."""
    return importlib.import_module(f"harness.fuzz.{module}")


def _users(data: st.DataObject, target: FuzzTarget, low: int, high: int) -> list[dict[str, Any]]:
    """Drawn User bodies, each stamped with a campaign-unique serial (:meth:`FuzzTarget.stamp`)."""
    bodies = data.draw(
        st.lists(
            _strategies("resources").user_bodies(target.prefix),
            min_size=low,
            max_size=high,
            unique_by=lambda body: str(body.get("userName", "")).casefold(),
        ),
        label="users",
    )
    return [target.stamp("Users", body) for body in bodies]


def _groups(data: st.DataObject, target: FuzzTarget, user_ids: list[str]) -> list[dict[str, Any]]:
    """Drawn Group bodies (stamped), each with members drawn from ``user_ids`` —
    placeholders (``{id0}`` …) of Users not created yet, so nothing drawn depends on
    the target's answers."""
    bodies = data.draw(
        st.lists(
            _strategies("resources").group_bodies(target.prefix),
            min_size=1,
            max_size=3,
            unique_by=lambda body: str(body.get("displayName", "")).casefold(),
        ),
        label="groups",
    )
    out = []
    for body in bodies:
        members = data.draw(st.lists(st.sampled_from(user_ids), unique=True), label="members")
        stamped = target.stamp("Groups", body)
        out.append({**stamped, "members": [{"value": member} for member in members]})
    return out


def _setup(
    target: FuzzTarget, endpoint: str, bodies: list[dict[str, Any]]
) -> tuple[list[str], list[Finding]]:
    """POST each drawn body: the ids in order, or the findings of a broken answer.

    A valid body the target refuses (4xx) ends the example as discarded
    (:meth:`FuzzTarget.discard`): the property needs the resource, and a
    refusal is the target's choice about content (an attribute it does not
    store, a name it keeps after a soft delete), not the rule under test.
    """
    ids: list[str] = []
    for body in bodies:
        response, resource_id = target.create(endpoint, body)
        broken = invariants(response, target)
        if broken:
            return ids, broken
        if resource_id is None:
            how = f"refused with {response.status}" if not response.ok else "answered without an id"
            target.discard(f"setup POST /{endpoint} {how}")
        ids.append(resource_id)
    return ids, []


def _refs(count: int) -> list[str]:
    """Placeholders for the ids of ``count`` resources yet to be created."""
    return [placeholder(index) for index in range(count)]


def _filters_on(endpoint: str) -> Example:
    def example(
        target: FuzzTarget, data: st.DataObject, population: Population | None
    ) -> list[Finding]:
        assert population is not None
        text = data.draw(population.filters(endpoint), label="filter")
        return filter_oracle(target, endpoint, text, listing=population.canonical(endpoint))

    return example


filters_users = _filters_on("Users")
filters_users.__doc__ = """RFC 7644 §3.4.2.2 on /Users: a filter drawn from the population's own
values selects what the core selects from the target's listing."""
filters_groups = _filters_on("Groups")
filters_groups.__doc__ = """RFC 7644 §3.4.2.2 on /Groups (members, displayName, externalId …)."""


def _groups_without_members(data: st.DataObject, target: FuzzTarget) -> list[dict[str, Any]]:
    body = data.draw(_strategies("resources").group_bodies(target.prefix), label="group")
    return [target.stamp("Groups", body)]


def invalid_filters(
    target: FuzzTarget, data: st.DataObject, population: Population | None
) -> list[Finding]:
    """RFC 7644 §3.4.2.2 / §3.12: a filter the grammar refuses is a 400 invalidFilter."""
    endpoint, resource_type = data.draw(
        st.sampled_from([("Users", USER), ("Groups", GROUP)]), label="endpoint"
    )
    text = data.draw(_strategies("filters").invalid_filter_texts(resource_type), label="filter")
    return filter_oracle(target, endpoint, text)


def _patch_one(
    target: FuzzTarget, data: st.DataObject, endpoint: str, invalid: bool
) -> list[Finding]:
    """Draw the resources and the PATCH, then send them (RFC 7644 §3.5.2).

    Everything is drawn before the first request: the PATCH against the
    core's own pre-image of the drawn body (``prepare_create``, RFC 7644
    §3.3) with member ids as placeholders, filled in once the target
    assigned them. A draw that depended on the target's answers would make
    hypothesis call the strategy flaky whenever the target answered a replay
    differently (a 409 on a soft-deleting target). The oracle then judges
    against the target's own pre-image, as read back.
    """
    resource_type = USER if endpoint == "Users" else GROUP
    if endpoint == "Users":
        users = _users(data, target, 1, 1)
        refs: list[str] = []
        subject = users[0]
    else:
        users = _users(data, target, 0, 2)
        refs = _refs(len(users))
        subject = (_groups(data, target, refs) if users else [
            {**b, "members": []} for b in _groups_without_members(data, target)
        ])[0]  # fmt: skip
    drawn_on = _pre_image(subject, resource_type)
    patches = _strategies("patches")
    strategy = (
        patches.invalid_patch_bodies(resource_type, drawn_on)
        if invalid
        else patches.patch_bodies(resource_type, drawn_on, member_ids=refs)
    )  # a Group's PATCH may add the example's Users (RFC 7643 §4.2 members)
    body = data.draw(strategy, label="patch")
    ids, broken = _setup(target, "Users", users if endpoint == "Groups" else [])
    if broken:
        return broken
    created, broken = _setup(target, endpoint, [fill_value(subject, ids)])
    if broken:
        return broken
    findings = patch_oracle(
        target,
        endpoint,
        created[0],
        fill_value(body, ids),
        drawn_on=None if invalid else fill_value(drawn_on, ids),
    )
    if endpoint == "Groups" and not findings:
        findings = membership_oracle(target)
    return findings


def _pre_image(body: dict[str, Any], resource_type: ResourceType) -> dict[str, Any]:
    """What the core stores for ``body`` (RFC 7644 §3.3), the state a PATCH is drawn against."""
    return prepare_create(copy.deepcopy(body), resource_type, DEFAULT)


def patch_users(
    target: FuzzTarget, data: st.DataObject, population: Population | None
) -> list[Finding]:
    """RFC 7644 §3.5.2 on a User: the PATCH result equals the core's on the pre-image."""
    return _patch_one(target, data, "Users", invalid=False)


def patch_groups(
    target: FuzzTarget, data: st.DataObject, population: Population | None
) -> list[Finding]:
    """RFC 7644 §3.5.2 on a Group, then RFC 7643 §4.1.2/§4.2 membership symmetry."""
    return _patch_one(target, data, "Groups", invalid=False)


def invalid_patches(
    target: FuzzTarget, data: st.DataObject, population: Population | None
) -> list[Finding]:
    """RFC 7644 §3.5.2: an invalid PatchOp is a 400 and changes nothing."""
    endpoint = data.draw(st.sampled_from(["Users", "Groups"]), label="endpoint")
    return _patch_one(target, data, endpoint, invalid=True)


def paging(target: FuzzTarget, data: st.DataObject, population: Population | None) -> list[Finding]:
    """RFC 7644 §3.4.2.4: pages of any size add up to the result."""
    endpoint = data.draw(st.sampled_from(["Users", "Groups"]), label="endpoint")
    if endpoint == "Users":
        bodies = _users(data, target, 0, 6)
    else:
        drawn = data.draw(
            st.lists(
                _strategies("resources").group_bodies(target.prefix),
                max_size=6,
                unique_by=lambda body: str(body.get("displayName", "")).casefold(),
            ),
            label="groups",
        )
        bodies = [{**target.stamp("Groups", b), "members": []} for b in drawn]
    page_size = data.draw(st.integers(min_value=1, max_value=4), label="count")
    _, broken = create_all(target, endpoint, bodies)
    if broken:
        return broken
    return paging_oracle(target, endpoint, None, page_size)


PROPERTIES: dict[str, Property] = {
    prop.name: prop
    for prop in (
        Property("filters-users", "RFC 7644 §3.4.2.2", "filters on /Users", filters_users, True),
        Property("filters-groups", "RFC 7644 §3.4.2.2", "filters on /Groups", filters_groups, True),
        Property("invalid-filters", "RFC 7644 §3.4.2.2", "invalid filters", invalid_filters),
        Property("patch-users", "RFC 7644 §3.5.2", "PATCH on Users", patch_users),
        Property("patch-groups", "RFC 7644 §3.5.2", "PATCH on Groups", patch_groups),
        Property("invalid-patches", "RFC 7644 §3.5.2", "invalid PATCH", invalid_patches),
        Property("paging", "RFC 7644 §3.4.2.4", "paging", paging),
        Property(
            "stateful",
            "RFC 7644 §3.3-§3.6",
            "sequences of create/replace/patch/delete with a model (harness.fuzz.stateful)",
        ),
    )
}


# ---------------------------------------------------------------------------
# Options and results
# ---------------------------------------------------------------------------


@dataclass
class CampaignOptions:
    """What to fuzz and for how long; mirrors the ``scim-harness fuzz`` flags."""

    url: str | None = None
    #: An ASGI app to fuzz in-process instead of a URL (tests, benchmark).
    app: Any = None
    token: str | None = None
    #: Examples per property (None: :data:`DEFAULT_EXAMPLES`, or unlimited with a duration).
    max_examples: int | None = None
    #: Wall-clock budget of the whole campaign, split across properties.
    duration_s: float | None = None
    seed: int | None = None
    #: Example database directory (None: no database).
    database_dir: str | None = None
    #: Property names (None: all of :data:`PROPERTIES`).
    properties: list[str] | None = None
    workers: int = 1
    timeout: float = 10.0
    prefix: str | None = None
    progress: Progress | None = None
    #: Examples per hypothesis run (None: sized from the budget).
    chunk: int | None = None
    #: The target serves this run alone (see :attr:`FuzzTarget.private`); None: only an
    #: in-process ``app`` is.
    private: bool | None = None
    #: Distinct causes a property collects before it stops (:mod:`harness.fuzz.accounting`).
    max_findings: int = DEFAULT_MAX_FINDINGS


@dataclass
class PropertyResult:
    """One property's run: its examples, findings (one per cause), answers, and why it stopped.

    ``error`` is set when the property could not judge the target to the end: the
    harness raised (``traceback`` holds where), hypothesis refused to go on (Flaky,
    Unsatisfiable …), or no example ran at all. An error is never a pass.
    """

    name: str
    examples: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    #: Why it stopped: "examples", "duration", "findings" (``max_findings`` causes),
    #: "error", "interrupted".
    stopped: str = "examples"
    error: str | None = None
    traceback: str | None = None
    #: Every answer received, by request shape and status (``PATCH /Users/{id}`` →
    #: ``500`` → 27), judged or not.
    answers: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Examples that tested nothing, by reason (a refused setup POST …; FuzzTarget.discard).
    discarded: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "findings": len(self.findings),
            "stopped": self.stopped,
            "error": self.error,
            "traceback": self.traceback,
            "answers": self.answers,
            "discarded": dict(self.discarded),
        }


@dataclass
class FuzzResult:
    """A campaign's outcome: findings, examples per property, seed, duration, leftovers."""

    target: str
    seed: int
    prefix: str
    started_at: str = ""
    finished_at: str = ""
    duration_s: float = 0.0
    properties: list[PropertyResult] = field(default_factory=list)
    leftovers: list[dict[str, str]] = field(default_factory=list)
    removed: int = 0
    interrupted: bool = False
    #: Why the campaign could not run (exit 2).
    problem: str | None = None

    @property
    def findings(self) -> list[Finding]:
        """The campaign's findings, each once: the one list the console, the JSON report
        and every other format count."""
        return unique([f for prop in self.properties for f in prop.findings])

    @property
    def errors(self) -> list[PropertyResult]:
        """Properties that could not judge the target to the end (harness or hypothesis
        errors, no example run)."""
        return [prop for prop in self.properties if prop.error is not None]

    @property
    def examples(self) -> dict[str, int]:
        return {prop.name: prop.examples for prop in self.properties}

    @property
    def exit_code(self) -> int:
        if self.problem is not None:
            return EXIT_USAGE
        if self.interrupted:
            return EXIT_INTERRUPTED
        # As ``scim-harness run``: an ``error`` verdict blocks the gate like a finding.
        return EXIT_FINDINGS if self.findings or self.errors else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        """The form a worker process sends its result in (read back by :meth:`from_json`).

        Internal plumbing, not a report: the campaign's report is
        :func:`harness.reports.build.from_fuzz` (docs/report.md).
        """
        return {
            "format": "scim-harness/fuzz-worker-result",
            "version": 1,
            "target": self.target,
            "seed": self.seed,
            "prefix": self.prefix,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 3),
            "exit_code": self.exit_code,
            "interrupted": self.interrupted,
            "problem": self.problem,
            "properties": [prop.to_json() for prop in self.properties],
            "findings": [finding.to_json() for finding in self.findings],
            "leftovers": self.leftovers,
            "removed": self.removed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FuzzResult:
        """A report read back (a worker's result): findings go to the property that found them."""
        result = cls(data["target"], int(data["seed"]), data["prefix"])
        result.started_at, result.finished_at = data["started_at"], data["finished_at"]
        result.duration_s = float(data["duration_s"])
        result.interrupted = bool(data["interrupted"])
        result.problem = data.get("problem")
        result.leftovers = list(data.get("leftovers") or [])
        result.removed = int(data.get("removed") or 0)
        found = [Finding.from_json(item) for item in data.get("findings") or []]
        for item in data["properties"]:
            prop = PropertyResult(item["name"], int(item["examples"]), float(item["seconds"]))
            prop.stopped, prop.error = item["stopped"], item.get("error")
            prop.traceback = item.get("traceback")
            prop.answers = {k: dict(v) for k, v in (item.get("answers") or {}).items()}
            prop.discarded = dict(item.get("discarded") or {})
            prop.findings = [finding for finding in found if finding.found_by == prop.name]
            result.properties.append(prop)
        return result


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def _chunk_seed(campaign_seed: int, name: str, index: int) -> int:
    digest = hashlib.sha256(f"{campaign_seed}:{name}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _findings_in(error: BaseException) -> list[Finding]:
    """The findings carried by ``error`` or, for an exception group, by its members."""
    if isinstance(error, FindingsFailed):
        return list(error.findings)
    if isinstance(error, BaseExceptionGroup):
        return [f for inner in error.exceptions for f in _findings_in(inner)]
    return []


def _out_of_time(error: BaseException) -> bool:
    """``error`` is, or was raised while handling, :class:`OutOfTime`.

    Stopping an example early makes hypothesis' record of the choices it saw
    inconsistent; it then raises ``FlakyStrategyDefinition`` from the
    ``OutOfTime`` — expected here, not an error of the target or the harness.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OutOfTime):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _settings(options: CampaignOptions, examples: int, reuse: bool = True) -> settings:
    """One chunk's settings. ``reuse``: replay the example database first — only the
    property's first chunk does, so a later chunk, which ignores the causes already
    found, never replays a saved failure as a pass (hypothesis would drop it)."""
    database = DirectoryBasedExampleDatabase(options.database_dir) if options.database_dir else None
    phases = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
    return settings(
        max_examples=max(examples, 1),
        deadline=None,
        database=database,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
        phases=phases if reuse else tuple(p for p in phases if p is not Phase.reuse),
    )


def example_test(
    prop: Property,
    target: FuzzTarget,
    counter: list[int],
    population: list[Population | None] | None = None,
    ledger: Ledger | None = None,
) -> Callable[[st.DataObject], None]:
    """The undecorated hypothesis body of ``prop``: one example, judged, cleaned up.

    ``population``: a one-item box the chunk runner fills with the chunk's population.
    ``ledger``: the property's causes, answers and deadline. The body stops the run
    (:class:`OutOfTime`) before sending anything once the deadline has passed, counts
    every answer, and fails only on findings of a cause not found before — so the
    property goes on to find other causes, and a shrink cut short by the deadline
    leaves its smallest failure so far recorded.
    """
    assert prop.example is not None
    run = prop.example
    box = population if population is not None else [None]
    book = ledger if ledger is not None else Ledger(target.prefix)

    def body(data: st.DataObject) -> None:
        book.check_time()
        counter[0] += 1
        try:
            with target.example():
                findings = run(target, data, box[0])
        finally:  # the example's requests and its cleanup's, however it ended
            book.count(target.client.exchanges)
        for finding in findings:
            finding.found_by = prop.name
        assert_no_findings(book.new(findings))

    # One database key per property: every body has the same source text.
    body._hypothesis_internal_add_digest = f"scim-harness-fuzz:{prop.name}".encode()  # type: ignore[attr-defined]
    return body


def _chunk_runner(
    prop: Property, target: FuzzTarget, counter: list[int], ledger: Ledger
) -> Callable[[settings, int], None]:
    """A function running one chunk of ``prop`` with the given settings and seed."""
    if prop.example is None:
        return _stateful_runner(target, counter, ledger)
    box: list[Population | None] = [None]
    body = example_test(prop, target, counter, box, ledger)

    def run_test(config: settings, chunk_seed: int) -> None:
        test = config(given(st.data())(body))
        if not _seed_generation(chunk_seed):
            test = seed(chunk_seed)(test)
        test()

    if not prop.populated:
        return run_test

    def run_populated(config: settings, chunk_seed: int) -> None:
        def build(fuzz_target: FuzzTarget) -> Population:
            return build_population(fuzz_target, chunk_seed)

        with target.fixture(build) as population:
            ledger.count(target.client.exchanges)  # the population's POSTs
            for finding in population.findings:
                finding.found_by = prop.name
            assert_no_findings(ledger.new(population.findings))  # the target broke making it
            box[0] = population
            try:
                run_test(config, chunk_seed)
            finally:
                box[0] = None

    return run_populated


def _seed_generation(chunk_seed: int) -> bool:
    """Seed hypothesis' generation without ``@seed``, which turns the example database's
    saving off (hypothesis saves no failure found under an explicit seed). The next
    test draws its own seed from this Random; False when this hypothesis version keeps
    it elsewhere (then ``@seed`` is used, without saving)."""
    try:
        from hypothesis import core

        local = core.threadlocal
        local._hypothesis_global_random = random.Random(chunk_seed)
    except (ImportError, AttributeError):
        return False
    return True


class _ClockedCounter(list[int]):
    """The state machine's sequence counter, which also stops the run once the
    property's deadline has passed: the machine increments it as a sequence
    starts, before that sequence sends anything."""

    def __init__(self, counter: list[int], ledger: Ledger) -> None:
        super().__init__(counter)
        self._counter, self._ledger = counter, ledger

    def __setitem__(self, index: Any, value: Any) -> None:
        self._ledger.check_time()
        super().__setitem__(index, value)
        self._counter[index] = value


def _stateful_runner(
    target: FuzzTarget, counter: list[int], ledger: Ledger
) -> Callable[[settings, int], None]:
    """The state machine of :mod:`harness.fuzz.stateful` as a chunk runner.

    Uses its ``run_stateful(target, settings, seed, counter)`` when it has one, in
    two runs: one that searches without shrinking, whose failing sequence's findings
    are recorded at once, then one with the same seed that meets the failure again
    and shrinks it until the deadline (:class:`_ClockedCounter`). Shrinking a
    sequence can take minutes (measured: 3 100 sequences, 300 s, on a field
    server); cut short, the recorded findings stand. Otherwise runs the
    ``RuleBasedStateMachine`` its
    ``machine_for(target)`` builds with hypothesis' ``run_state_machine_as_test``
    (unseeded: that API takes no seed; the example database still replays failures).
    """
    stateful = importlib.import_module("harness.fuzz.stateful")
    if hasattr(stateful, "run_stateful"):

        def run_own(config: settings, chunk_seed: int) -> None:
            clocked = _ClockedCounter(counter, ledger)
            search = settings(config, phases=[p for p in config.phases if p != Phase.shrink])
            # Seeded as the example properties are, without ``@seed`` (which saves nothing).
            explicit = None if _seed_generation(chunk_seed) else chunk_seed
            try:
                stateful.run_stateful(target, search, explicit, clocked)
            except FindingsFailed as failed:
                ledger.new(failed.findings)
                # The same seed draws the same sequences: this run meets the failure
                # again and shrinks it (replaying it from the database alone left it
                # unshrunk: measured 46 steps instead of 10).
                explicit = None if _seed_generation(chunk_seed) else chunk_seed
                stateful.run_stateful(target, config, explicit, clocked)
                raise  # the second run passed: the target is not deterministic

        return run_own
    from hypothesis.stateful import run_state_machine_as_test

    factory = getattr(stateful, "machine_for", None)
    if factory is None:
        raise ImportError("harness.fuzz.stateful has neither run_stateful nor machine_for")

    def run_machine(config: settings, chunk_seed: int) -> None:
        counter[0] += config.max_examples
        run_state_machine_as_test(factory(target), settings=config)

    return run_machine


def run_property(
    prop: Property,
    target: FuzzTarget,
    options: CampaignOptions,
    campaign_seed: int,
    examples: float,
    budget_s: float,
) -> PropertyResult:
    """``prop`` in chunks until ``examples`` ran, ``budget_s`` passed (shrinking
    included), ``options.max_findings`` causes were found, or an error.

    A chunk that ends on findings is followed by the next, which ignores the causes
    found (:class:`~harness.fuzz.accounting.Ledger`). Anything else a chunk raises —
    an exception of the harness, hypothesis' own errors — ends the property with
    ``error`` and its traceback; so does a property that ran no example.
    """
    result = PropertyResult(prop.name)
    counter = [0]
    discards_before = target.discards.copy()
    started = time.perf_counter()
    search = budget_s if math.isinf(budget_s) else budget_s * SEARCH_SHARE
    ledger = Ledger(target.prefix, max(options.max_findings, 1), started + search)
    try:
        runner = _chunk_runner(prop, target, counter, ledger)
    except ImportError as exc:
        result.stopped, result.error = "error", f"not available: {exc}"
        return result
    index = 0
    while True:
        spent = time.perf_counter() - started
        left_examples = examples - counter[0]
        if left_examples <= 0:
            result.stopped = "examples"
            break
        if spent >= search:
            result.stopped = "duration"
            break
        rate = counter[0] / spent if counter[0] and spent > 0 else 0.0
        if options.chunk:
            size = options.chunk
        elif math.isinf(budget_s):
            size = MAX_CHUNK
        else:  # a quarter of the time left, so a chunk never overshoots the budget by much
            size = MIN_CHUNK if rate == 0 else int(rate * max((search - spent) / 4, 0.5))
        most = POPULATED_CHUNK if prop.populated else MAX_CHUNK
        size = int(min(max(size, MIN_CHUNK), most, left_examples))
        try:
            with warnings.catch_warnings():
                # Strategy-repr and deprecation notes are for strategy authors, not
                # for the person reading a campaign's output.
                warnings.simplefilter("ignore", HypothesisWarning)
                warnings.simplefilter("ignore", HypothesisDeprecationWarning)
                runner(
                    _settings(options, size, reuse=index == 0),
                    _chunk_seed(campaign_seed, prop.name, index),
                )
            ledger.settle()
        except KeyboardInterrupt:
            result.stopped = "interrupted"
            raise
        except BaseException as error:  # hypothesis re-raises the shrunk example's failure
            if isinstance(error, (SystemExit, GeneratorExit)):
                raise
            if _out_of_time(error):  # the deadline cut the run (often a shrink) short
                ledger.settle()
                result.stopped = "duration"
                break
            found = _findings_in(error)
            reasons = target.discards - discards_before
            if isinstance(error, Unsatisfiable) and not found and reasons:
                shown = "; ".join(f"{n} × {why}" for why, n in reasons.most_common())
                result.stopped, result.error = "error", f"every example discarded: {shown}"
                break
            for finding in found:
                finding.found_by = finding.found_by or prop.name
            ledger.settle(found)
            if not found:
                result.stopped = "error"
                result.error = f"{type(error).__name__}: {error}".strip()
                result.traceback = "".join(traceback.format_exception(error)).rstrip()
                break
            if prop.example is None:  # the state machine cannot skip a known cause
                result.stopped = "findings"
                break
        finally:
            result.findings = ledger.findings(prop.name)
            result.answers = ledger.answers
            result.examples = counter[0]
            result.seconds = time.perf_counter() - started
            result.discarded = dict(target.discards - discards_before)
            if options.progress is not None:
                options.progress(prop.name, counter[0], len(result.findings))
        if ledger.full:
            result.stopped = "findings"
            break
        index += 1
    result.findings = _reduced_all(ledger.findings(prop.name), target, started + budget_s)
    result.examples = counter[0]
    result.seconds = time.perf_counter() - started
    if result.examples == 0 and result.error is None:
        result.error = (
            "no example ran: the campaign's --duration was spent before this property started"
            if result.stopped == "duration"
            else f"no example ran (stopped: {result.stopped})"
        )
    return result


def reduced(finding: Finding, target: FuzzTarget, seconds: float | None = None) -> Finding:
    """``finding`` with its replay recipe reduced on the target (:mod:`harness.fuzz.reduce`)."""
    from harness.fuzz.reduce import Budget, reduce_finding

    budget = Budget() if seconds is None else Budget(seconds=min(Budget.seconds, seconds))
    return reduce_finding(finding, target.client, target.prefix, budget)


def _reduced_all(findings: list[Finding], target: FuzzTarget, deadline: float) -> list[Finding]:
    """Each final finding reduced once, within what is left of the property's share of
    ``--duration`` (at least :data:`MIN_REDUCE_S` each, so a finding found at the last
    moment still gets a short recipe)."""
    out = []
    for position, finding in enumerate(findings):
        left = (deadline - time.perf_counter()) / (len(findings) - position)
        seconds = None if math.isinf(deadline) else max(left, MIN_REDUCE_S)
        out.append(reduced(finding, target, seconds))
    return out


def _budget(options: CampaignOptions) -> tuple[float, float | None]:
    """(examples per property, duration) from the options."""
    if options.max_examples is not None:
        return float(options.max_examples), options.duration_s
    if options.duration_s is not None:
        return math.inf, options.duration_s
    return float(DEFAULT_EXAMPLES), None


def selected(names: list[str] | None) -> list[Property]:
    """The properties to run, in registry order; unknown names raise ValueError."""
    if not names:
        return list(PROPERTIES.values())
    unknown = [name for name in names if name not in PROPERTIES]
    if unknown:
        raise ValueError(f"unknown property {', '.join(unknown)}; one of {', '.join(PROPERTIES)}")
    return [prop for prop in PROPERTIES.values() if prop.name in names]


@contextlib.contextmanager
def _fuzz_target(options: CampaignOptions, prefix: str) -> Iterator[FuzzTarget]:
    if options.app is not None:
        client = ScimClient.in_process(options.app, options.token, timeout=options.timeout)
    elif options.url:
        client = ScimClient(options.url, options.token, timeout=options.timeout)
    else:
        raise ValueError("a campaign needs a URL or an app")
    private = options.private if options.private is not None else options.app is not None
    target = FuzzTarget(client, prefix, private=private)
    try:
        yield target
    finally:
        target.close()


def _preflight(target: FuzzTarget, options: CampaignOptions) -> str | None:
    from harness.conformance.runner import RunOptions, preflight

    run = RunOptions(url=options.url, token=options.token, token_env="the token variable")
    return preflight(target.client, run)


def run_campaign(options: CampaignOptions) -> FuzzResult:
    """Run the selected properties against the target; never raises for the target's faults."""
    campaign_seed = (
        options.seed if options.seed is not None else random.SystemRandom().getrandbits(32)
    )
    prefix = options.prefix or new_prefix()
    where = options.url or ("in-process app" if options.app is not None else "")
    result = FuzzResult(where, campaign_seed, prefix, started_at=_now())
    started = time.perf_counter()
    try:
        props = selected(options.properties)
    except ValueError as exc:
        result.problem = str(exc)
        return result
    if options.workers > 1 and len(props) > 1:
        if options.app is not None or not options.url:
            result.problem = "parallel workers need a URL target"
            return result
        return run_parallel(options, props, campaign_seed, prefix, result)
    examples, duration = _budget(options)
    with _fuzz_target(options, prefix) as target:
        try:
            result.problem = _preflight(target, options)
            if result.problem is not None:
                return result
            target.discover()
            for position, prop in enumerate(props):
                left = None if duration is None else duration - (time.perf_counter() - started)
                share = math.inf if left is None else max(left, 0.0) / (len(props) - position)
                result.properties.append(
                    run_property(prop, target, options, campaign_seed, examples, share)
                )
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            try:
                target.cleanup()
            except KeyboardInterrupt:
                result.interrupted = True
            result.leftovers = [leftover.to_json() for leftover in target.leftovers]
            result.removed = target.removed
            result.finished_at = _now()
            result.duration_s = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------
# Parallel workers
# ---------------------------------------------------------------------------


def _worker(payload: dict[str, Any]) -> dict[str, Any]:
    """One worker process: a sequential campaign over its share of the properties."""
    return run_campaign(CampaignOptions(**payload)).to_json()


def run_parallel(
    options: CampaignOptions,
    props: list[Property],
    campaign_seed: int,
    prefix: str,
    result: FuzzResult,
) -> FuzzResult:
    """``--workers N``: one process per share of the properties, sharing the database.

    Each worker has its own prefix under the run's (``<prefix>w1-``), so the
    parent's final sweep by the run prefix removes whatever a worker killed by
    Ctrl-C left behind. Chunk seeds depend on the property, not the worker, so
    a parallel campaign draws what a sequential one with the same seed draws.
    The token reaches the workers through the pool's pipe, never argv.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    started = time.perf_counter()
    count = min(options.workers, len(props))
    shares = [props[index::count] for index in range(count)]
    payloads = [
        {
            "url": options.url,
            "token": options.token,
            "max_examples": options.max_examples,
            "duration_s": options.duration_s,
            "seed": campaign_seed,
            "database_dir": options.database_dir,
            "properties": [prop.name for prop in share],
            "timeout": options.timeout,
            "prefix": f"{prefix}w{index + 1}-",
            "chunk": options.chunk,
            "private": options.private,
        }
        for index, share in enumerate(shares)
    ]
    pool = ProcessPoolExecutor(count, mp_context=get_context("spawn"))
    try:
        futures = [pool.submit(_worker, payload) for payload in payloads]
        for future in as_completed(futures):
            part = FuzzResult.from_json(future.result())
            result.properties += part.properties
            result.leftovers += part.leftovers
            result.removed += part.removed
            result.interrupted = result.interrupted or part.interrupted
            result.problem = result.problem or part.problem
            if options.progress is not None:
                for prop in part.properties:
                    options.progress(prop.name, prop.examples, len(prop.findings))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        order = {name: index for index, name in enumerate(PROPERTIES)}
        result.properties.sort(key=lambda prop: order.get(prop.name, len(order)))
        with _fuzz_target(options, prefix) as sweeper:
            sweeper.target.sweep()
            result.removed += sweeper.removed
        result.finished_at = _now()
        result.duration_s = time.perf_counter() - started
    return result
