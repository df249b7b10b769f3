"""Reduce a finding's replay recipe to the requests and values that still reproduce it.

A finding found on a population carries every POST of the population, with
the long, adversarial strings the strategies draw (13 POSTs of kilobyte
strings made one filter finding's report 1.3 MB). A person reads a bug off
one POST and one GET. The reduction is delta debugging (Zeller and
Hildebrandt, "Simplifying and Isolating Failure-Inducing Input", 2002:
``ddmin``) over

1. the ``setup`` requests (a placeholder ``{idN}`` renumbered over what is
   kept; a candidate whose other steps name a dropped resource is not sent,
   unless bodies may change: then a Group's member or a User's manager
   naming it goes with it),
2. the attributes of the kept bodies (a key, a list item, a sub-attribute
   dropped), then long strings shortened.

Each candidate is re-sent to the target and judged by the replay itself
(:func:`harness.fuzz.replay.outcome`, the judge of ``--replay``): it must
break the *same* step's expectation as the recipe it comes from. Bodies are
reduced only when no expectation depends on them — ``not 5xx``,
``scim-error``, ``paging`` and ``membership`` hold whatever the values, and
``filter`` is re-judged by the semantics core on the values the replay
created; a ``resource {json}`` or ``status`` expectation was computed from
the recorded bodies, so there only setups are dropped.

A budget (:class:`Budget`: seconds and requests per finding) bounds the work;
when it runs out the smallest recipe that reproduced so far is kept, with the
exchanges of its reproduction as the finding's evidence (the curl lines a
report and the console show), named with the recorded prefix again.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from harness.client import Exchange, ScimClient
from harness.fuzz.findings import Finding, ReplayStep
from harness.fuzz.replay import ReplayOutcome, outcome
from harness.fuzz.target import NAME_ATTRIBUTE

T = TypeVar("T")
_PLACEHOLDER = re.compile(r"\{id(\d+)\}")
#: Expectations that hold or break whatever values the bodies carry (see the module doc).
BODY_FREE = frozenset({"not", "scim-error", "paging", "membership", "filter"})
#: A string longer than this is tried shorter; what it is cut to (after the prefix).
LONG, SHORT = 16, 8
#: How deep into a body attributes are dropped one by one (``emails[0].value`` is 2).
DEPTH = 2


@dataclass(frozen=True)
class Budget:
    """What reducing one finding may spend: wall-clock seconds and requests sent.

    A replay costs about three requests per resource (POST, the filter judge's GET,
    the DELETE) plus the sweep. Measured on scim2-server 0.8.3 (loopback): a
    ``filters-groups`` finding of 13 POSTs came down to 3 POSTs with short bodies in
    404 requests and 1.3 s; with 200 requests it stopped at 3 POSTs still carrying
    38 KB of drawn strings.
    """

    seconds: float = 30.0
    requests: int = 400


class _Judge:
    """Re-sends candidates within the budget; remembers the smallest that reproduced."""

    def __init__(
        self, finding: Finding, client: ScimClient, prefix: str | None, budget: Budget
    ) -> None:
        self.finding, self.client, self.prefix, self.budget = finding, client, prefix, budget
        self.started = time.monotonic()
        self.sent = 0
        #: Which non-setup step must break (its ordinal among the non-setup steps).
        self.failing: int | None = None
        self.best: tuple[list[ReplayStep], str, ReplayOutcome] | None = None

    @property
    def spent(self) -> bool:
        late = time.monotonic() - self.started >= self.budget.seconds
        return late or self.sent >= self.budget.requests

    def __call__(self, steps: list[ReplayStep], summary: str) -> bool:
        if self.spent:
            return False
        candidate = replace(self.finding, summary=summary, steps=steps, exchanges=[])
        self.client.exchanges.clear()
        result = outcome(candidate, self.client, self.prefix)
        self.sent += max(len(self.client.exchanges), 1)
        self.client.exchanges.clear()
        if not result.reproduced or result.step is None:
            return False
        ordinal = _ordinal(steps, result.step)
        if self.failing is None:
            self.failing = ordinal
        elif ordinal != self.failing:
            return False  # another defect: not this finding any more
        self.best = (steps, summary, result)
        return True


def _ordinal(steps: list[ReplayStep], index: int) -> int:
    return sum(1 for step in steps[:index] if step.expect != "setup")


def reduce_finding(
    finding: Finding, client: ScimClient, prefix: str | None, budget: Budget | None = None
) -> Finding:
    """``finding`` with the smallest recipe that reproduces it on ``client``'s target
    (``prefix``: the run prefix its names carry); ``finding`` itself when it does not
    reproduce now (nothing to reduce against) or nothing could be left out.

    Never loses a finding: if reducing fails (the target stops answering, a body the
    reducer cannot rebuild), the smallest recipe that reproduced so far is kept.
    """
    judge = _Judge(finding, client, prefix, budget or Budget())
    with contextlib.suppress(Exception):  # the finding as found is worth more than the error
        _reduce(judge, prefix)
    if judge.best is None or judge.best[0] == finding.steps:
        return finding
    best_steps, best_summary, result = judge.best
    exchanges = _renamed(result.exchanges, result.prefix, prefix)
    return replace(finding, summary=best_summary, steps=best_steps, exchanges=exchanges)


def _reduce(judge: _Judge, prefix: str | None) -> None:
    """Setups, then (when no expectation was computed from the bodies) attributes and
    long strings; :attr:`_Judge.best` holds the result."""
    steps, summary = list(judge.finding.steps), judge.finding.summary
    if not judge(steps, summary):
        return
    loose = all(
        step.expect.partition(" ")[0] in BODY_FREE for step in steps if step.expect != "setup"
    )
    steps, summary = _setups(steps, summary, judge, loose)
    if loose:
        steps = _attributes(steps, judge)
        _shortened(steps, judge, prefix)


# ---------------------------------------------------------------------------
# Delta debugging
# ---------------------------------------------------------------------------


def ddmin(items: Sequence[T], test: Callable[[list[T]], bool]) -> list[T]:
    """A 1-minimal sublist of ``items`` for which ``test`` holds (``test(items)`` is
    assumed): the empty list first, then Zeller's subsets and complements; a subset is
    tried once (a complement is often a subset tried already)."""
    answers: dict[tuple[int, ...], bool] = {}
    position = {id(item): index for index, item in enumerate(items)}

    def once(subset: list[T]) -> bool:
        key = tuple(position[id(item)] for item in subset)
        if key not in answers:
            answers[key] = test(subset)
        return answers[key]

    current = list(items)
    if current and once([]):
        return []
    n = 2
    while len(current) >= 2:
        size = -(-len(current) // n)
        chunks = [current[i : i + size] for i in range(0, len(current), size)]
        for chunk in chunks:
            if len(chunk) < len(current) and once(chunk):
                current, n = chunk, 2
                break
        else:
            for chunk in chunks:
                rest = [item for item in current if item not in chunk]
                if rest and once(rest):
                    current, n = rest, max(n - 1, 2)
                    break
            else:
                if n >= len(current):
                    break
                n = min(len(current), n * 2)
    return current


# ---------------------------------------------------------------------------
# Setups
# ---------------------------------------------------------------------------


def _setup_indices(steps: list[ReplayStep]) -> list[int]:
    return [index for index, step in enumerate(steps) if step.expect == "setup"]


def _setups(
    steps: list[ReplayStep], summary: str, judge: _Judge, loose: bool
) -> tuple[list[ReplayStep], str]:
    """ddmin over the setup steps: the fewest resources that still reproduce (``loose``:
    bodies may change, see :func:`_keeping`)."""
    count = len(_setup_indices(steps))
    if count == 0:
        return steps, summary
    chosen: dict[tuple[int, ...], tuple[list[ReplayStep], str] | None] = {}

    def candidate(kept: list[int]) -> tuple[list[ReplayStep], str] | None:
        key = tuple(kept)
        if key not in chosen:
            chosen[key] = _keeping(steps, summary, kept, loose)
        return chosen[key]

    def test(kept: list[int]) -> bool:
        made = candidate(kept)
        return made is not None and judge(*made)

    kept = ddmin(range(count), test)
    made = candidate(kept)
    return made if made is not None and len(kept) < count else (steps, summary)


def _keeping(
    steps: list[ReplayStep], summary: str, kept: list[int], loose: bool = False
) -> tuple[list[ReplayStep], str] | None:
    """The recipe with only the ``kept`` setups (by placeholder number), ``{idN}``
    renumbered; None when a step still needs a dropped resource. A dropped id leaves
    an ``ids``/``paging`` list (a filter and a page select per resource, RFC 7644
    §3.4.2.2, §3.4.2.4); the summary names it ``{id?}``. ``loose`` (no expectation
    was computed from the bodies): a reference to a dropped resource leaves the body
    too — a Group's member, a User's manager (``{"value": "{idN}"}``, RFC 7643 §4.2,
    §4.3) — so that a Group naming every User does not pin them all."""
    numbers = {old: new for new, old in enumerate(kept)}
    if loose:
        gone = {f"{{id{n}}}" for n in range(len(_setup_indices(steps))) if n not in numbers}
        steps = [replace(step, body=_unreferenced(step.body, gone)) for step in steps]
    out: list[ReplayStep] = []
    number = -1
    for step in steps:
        if step.expect == "setup":
            number += 1
            if number not in numbers:
                continue
        try:
            out.append(
                ReplayStep(
                    step.method,
                    _renumber(step.path, numbers),
                    _renumber(step.body, numbers),
                    _renumbered_expect(step.expect, numbers),
                )
            )
        except LookupError:
            return None
    text = _PLACEHOLDER.sub(
        lambda m: f"{{id{numbers[int(m[1])]}}}" if int(m[1]) in numbers else _GONE, summary
    )
    return out, _ID_LIST.sub(_shown, text)


def _unreferenced(value: Any, gone: set[str]) -> Any:
    """``value`` without the ``{"value": "{idN}"}`` objects that name a ``gone`` resource."""

    def names_gone(item: Any) -> bool:
        return isinstance(item, dict) and item.get("value") in gone

    if isinstance(value, dict):
        return {k: _unreferenced(v, gone) for k, v in value.items() if not names_gone(v)}
    if isinstance(value, list):
        return [_unreferenced(item, gone) for item in value if not names_gone(item)]
    return value


#: A placeholder whose resource the reduced recipe leaves out, and a list of placeholders.
_GONE = "{id?}"
_ID_LIST = re.compile(r"\[(?:'\{id(?:\d+|\?)\}'(?:, )?)+\]")


def _shown(match: re.Match[str]) -> str:
    """``['{id?}', '{id1}', '{id?}']`` as ``['{id1}'] and 2 not in the reduced recipe``."""
    words = re.findall(r"\{id(?:\d+|\?)\}", match[0])
    kept = [word for word in words if word != _GONE]
    gone = len(words) - len(kept)
    shown = "[" + ", ".join(f"'{word}'" for word in kept) + "]"
    return shown if not gone else f"{shown} and {gone} not in the reduced recipe"


def _renumber(value: Any, numbers: dict[int, int]) -> Any:
    """``value`` with ``{idN}`` renumbered; LookupError for a dropped one."""
    if value is None:
        return None
    text = _PLACEHOLDER.sub(lambda m: f"{{id{numbers[int(m[1])]}}}", json.dumps(value))
    return json.loads(text)


def _renumbered_expect(expect: str, numbers: dict[int, int]) -> str:
    verb = expect.partition(" ")[0]
    if verb in ("ids", "paging"):
        words = [
            word
            for word in expect.split(" ")
            if not (_PLACEHOLDER.fullmatch(word) and int(word[3:-1]) not in numbers)
        ]
        expect = " ".join(words)
    return str(_renumber(expect, numbers))


# ---------------------------------------------------------------------------
# Attributes and values
# ---------------------------------------------------------------------------

Unit = tuple[int, tuple[str | int, ...]]


def _reducible(steps: list[ReplayStep]) -> list[int]:
    """The steps whose bodies may shrink (asked only when every expectation is
    :data:`BODY_FREE`): the setups, and a write answered 5xx or with a non-SCIM error
    body, which is a defect whatever the body (RFC 7644 §3.12)."""
    return [index for index, step in enumerate(steps) if isinstance(step.body, dict)]


def _protected(step: ReplayStep) -> set[str]:
    """Top-level keys never dropped: ``schemas`` (RFC 7643 §3) and the attribute the run
    prefix lives in (``userName``/``displayName``), which the cleanup sweep finds it by."""
    endpoint = step.path.strip("/").split("/", 1)[0].split("?", 1)[0]
    name = NAME_ATTRIBUTE.get(endpoint) if step.method == "POST" else None
    return {"schemas", *([name] if name else [])}


def _units(steps: list[ReplayStep]) -> list[Unit]:
    units: list[Unit] = []

    def walk(index: int, value: Any, path: tuple[str | int, ...], skip: set[str]) -> None:
        if len(path) > DEPTH:
            return
        entries: list[tuple[str | int, Any]] = (
            [(key, item) for key, item in value.items() if key not in skip]
            if isinstance(value, dict)
            else list(enumerate(value)) if isinstance(value, list) else []
        )  # fmt: skip
        for key, item in entries:
            units.append((index, (*path, key)))
            walk(index, item, (*path, key), set())

    for index in _reducible(steps):
        walk(index, steps[index].body, (), _protected(steps[index]))
    return units


def _without(value: Any, dropped: set[tuple[str | int, ...]], path: tuple[str | int, ...]) -> Any:
    if isinstance(value, dict):
        return {
            key: _without(item, dropped, (*path, key))
            for key, item in value.items()
            if (*path, key) not in dropped
        }
    if isinstance(value, list):
        return [
            _without(item, dropped, (*path, key))
            for key, item in enumerate(value)
            if (*path, key) not in dropped
        ]
    return value


def _attributes(steps: list[ReplayStep], judge: _Judge) -> list[ReplayStep]:
    """ddmin over the attributes of the reducible bodies: the fewest that reproduce."""
    units = _units(steps)
    if not units:
        return steps
    summary = judge.best[1] if judge.best else judge.finding.summary

    def built(kept: list[Unit]) -> list[ReplayStep]:
        dropped = set(units) - set(kept)
        out = list(steps)
        for index in {i for i, _ in dropped}:
            paths = {path for i, path in dropped if i == index}
            out[index] = replace(out[index], body=_without(out[index].body, paths, ()))
        return out

    kept = ddmin(units, lambda kept: judge(built(kept), summary))
    return built(kept) if len(kept) < len(units) else steps


def _short(value: str, prefix: str | None) -> str:
    if prefix and value.startswith(prefix):
        return prefix + value[len(prefix) :][:SHORT]
    return value[:SHORT]


def _strings(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [
            p
            for key, item in value.items()
            if key != "schemas"
            for p in _strings(item, (*path, key))
        ]
    if isinstance(value, list):
        return [p for key, item in enumerate(value) for p in _strings(item, (*path, key))]
    return []


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _set(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _set(value[head], rest, new)}
    copied = list(value)
    copied[int(head)] = _set(copied[int(head)], rest, new)
    return copied


def _shortened(steps: list[ReplayStep], judge: _Judge, prefix: str | None) -> list[ReplayStep]:
    """Long strings cut short: all at once, else one by one (while the budget lasts)."""
    long = [
        (index, path)
        for index in _reducible(steps)
        for path in _strings(steps[index].body)
        if len(_short(_at(steps[index].body, path), prefix)) < len(_at(steps[index].body, path))
        and len(_at(steps[index].body, path)) > LONG
    ]
    if not long:
        return steps
    summary = judge.best[1] if judge.best else judge.finding.summary

    def cut(base: list[ReplayStep], units: list[Unit]) -> list[ReplayStep]:
        out = list(base)
        for index, path in units:
            body = out[index].body
            out[index] = replace(out[index], body=_set(body, path, _short(_at(body, path), prefix)))
        return out

    every = cut(steps, long)
    if judge(every, summary):
        return every
    for unit in long:
        if judge.spent:
            break
        candidate = cut(steps, [unit])
        if judge(candidate, summary):
            steps = candidate
    return steps


def _renamed(exchanges: list[Exchange], new: str, old: str | None) -> list[Exchange]:
    """The reproduction's exchanges named with the recorded prefix, as the summary is."""
    if not old or not new:
        return list(exchanges)
    return [
        Exchange.from_json(json.loads(json.dumps(exchange.to_json()).replace(new, old)))
        for exchange in exchanges
    ]
