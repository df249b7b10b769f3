"""The fuzzer's view of a target: the conformance suite's guarded :class:`Target`, plus
what the oracles need (create and remember, full listings of the run's resources,
replay steps with id placeholders, cleanup after each example).

Safety on a real tenant comes from :class:`harness.conformance.target.Target`
unchanged: every name starts with the run prefix, writes to anything the run
did not create are refused before they are sent, what an example created is
deleted when the example ends, and a final prefix sweep removes what a
timed-out POST may have created. Listings send the drawn filter as it is
and keep the run's own resources — those named with the run prefix — from
every page (:func:`harness.conformance.scoping.named_with`), so another
tenant user never enters a comparison and no operator the target may refuse
(``sw``, RFC 7644 §3.12) is added to the fuzzer's own filters. The paging
invariants are judged on the whole walk; a walk that reaches
:data:`MAX_PAGES` stops the property and says so (:class:`ListingIncomplete`).
"""

from __future__ import annotations

import itertools
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

from hypothesis import reject

from harness.client import Exchange, ScimClient, ScimResponse
from harness.conformance.bodies_from_schema import with_required
from harness.conformance.capabilities import Capabilities
from harness.conformance.discovery import Discovery, read_discovery
from harness.conformance.scoping import named_with
from harness.conformance.target import Leftover, Target
from harness.fuzz.allowances import Allowances, declared_by
from harness.fuzz.findings import Finding, ReplayStep
from harness.fuzz.placeholders import (
    segment,
    template_path,
    template_text,
    template_value,
)
from harness.scim.schema import GROUP, USER, ResourceType

#: Page size of a full listing (RFC 7644 §3.4.2.4); lowered to ``filter.maxResults``.
LISTING_PAGE = 100
#: A listing stops after this many pages even if the target keeps answering.
MAX_PAGES = 200

#: The attribute each endpoint's names (and so the run prefix) live in.
NAME_ATTRIBUTE = {"Users": "userName", "Groups": "displayName"}
RESOURCE_TYPE = {"Users": USER, "Groups": GROUP}

T = TypeVar("T")


class ListingIncomplete(RuntimeError):
    """A listing on a shared tenant did not end within :data:`MAX_PAGES`: the run's own
    resources cannot all be found without a prefix filter, so nothing can be judged."""


def endpoint_name(endpoint: str) -> str:
    """``"Users"`` for ``"Users"``, ``"/Users"`` or ``"/Users/"``."""
    name = endpoint.strip("/")
    if name not in NAME_ATTRIBUTE:
        raise ValueError(f"unknown endpoint {endpoint!r}; one of Users, Groups")
    return name


def resource_type_of(endpoint: str) -> ResourceType:
    return RESOURCE_TYPE[endpoint_name(endpoint)]


def new_prefix() -> str:
    """A run prefix long enough for the prefix sweep (``scimh-fz-1a2b3c-``)."""
    return f"scimh-fz-{secrets.token_hex(3)}-"


def item_path(endpoint: str, resource_id: str) -> str:
    """``/Users/{id}`` with the id percent-encoded: an id is an opaque string the
    provider chooses (RFC 7643 §3.1) and may hold ``/``, ``?`` or spaces."""
    return f"/{endpoint_name(endpoint)}/{segment(resource_id)}"


def list_path(endpoint: str, params: Mapping[str, str | int]) -> str:
    """``/Users?filter=…&startIndex=…`` with the query encoded (for a replay step)."""
    query = urlencode({key: str(value) for key, value in params.items()})
    return f"/{endpoint_name(endpoint)}" + (f"?{query}" if query else "")


#: One POST of a fixture or an example: (replay step, exchange, id or None).
Record = tuple[ReplayStep, Exchange, str | None]


class FuzzTarget:
    """A :class:`Target` with per-example bookkeeping for the oracles."""

    def __init__(
        self,
        client: ScimClient,
        prefix: str | None = None,
        capabilities: Capabilities | None = None,
        *,
        private: bool = False,
    ) -> None:
        #: The target serves this run alone (an in-process or embedded server): filters
        #: are sent as drawn, not ANDed with the prefix filter, and listings are whole.
        self.private = private
        self.target = Target(
            client,
            capabilities or Capabilities.from_spc(None),
            prefix=prefix or new_prefix(),
            batch_cleanup=False,
        )
        #: The current example's POSTs: (replay step, exchange, id or None).
        self._setup: list[Record] = []
        #: The current chunk's population (:meth:`fixture`), read by every example.
        self._fixture: list[Record] = []
        self._page = LISTING_PAGE
        #: Examples discarded because a precondition failed, by reason (:meth:`discard`).
        self.discards: Counter[str] = Counter()
        #: Defaults the target showed and the attributes it declares (judging the model).
        self.allowances = Allowances()
        #: The target's /Schemas and /ResourceTypes (:meth:`discover`); unknown until read.
        self.discovery = Discovery(None, "not read yet", None)
        self._stamps = itertools.count(1)

    @classmethod
    def for_url(
        cls, url: str, token: str | None, *, timeout: float = 10.0, prefix: str | None = None
    ) -> FuzzTarget:
        return cls(ScimClient(url, token, timeout=timeout), prefix)

    @classmethod
    def for_app(
        cls, app: Any, token: str | None = None, *, timeout: float = 10.0, prefix: str | None = None
    ) -> FuzzTarget:
        """The target as an ASGI app in memory (the httpx habit: same code, other transport);
        an app built for this run serves nothing else, so it is ``private``."""
        return cls(ScimClient.in_process(app, token, timeout=timeout), prefix, private=True)

    # -- what the oracles read -------------------------------------------------

    @property
    def client(self) -> ScimClient:
        return self.target.client

    @property
    def prefix(self) -> str:
        return self.target.prefix

    @property
    def leftovers(self) -> list[Leftover]:
        return self.target.leftovers

    @property
    def removed(self) -> int:
        return self.target.removed

    def discover(self) -> None:
        """Read ``/ServiceProviderConfig`` (bulk for cleanup, ``filter.maxResults``) and
        ``/Schemas`` (the attributes the target may drop, :mod:`harness.fuzz.allowances`)."""
        spc = self.client.get("/ServiceProviderConfig")
        caps = Capabilities.from_spc(spc.body if spc.status == 200 else None)
        self.target.capabilities = caps
        limit = caps.limits.get("filter.maxResults")
        if limit and limit > 0:
            self._page = min(LISTING_PAGE, limit)
        self.discovery = read_discovery(self.target)
        self.allowances.declared = declared_by(self.discovery)

    def scoped(self, endpoint: str, text: str | None) -> str | None:
        """The filter as sent: ``text`` as drawn, on a private and a shared target alike.

        Nothing is ANDed to it (a ``sw`` prefix scope would make every
        listing depend on an operator the target may refuse, RFC 7644
        §3.12); :meth:`full_listing` keeps the run's own resources instead.
        A defect that only shows at the top level of a filter (a textual
        precedence bug) stays visible too.
        """
        endpoint_name(endpoint)
        return text or None

    # -- names and preconditions -------------------------------------------------

    def stamp(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with a campaign-wide serial after the run prefix of each unique name.

        Hypothesis draws the same simplest names again and again (and a shrink
        replays an example), while a provider that only soft-deletes keeps a
        deleted resource's ``userName`` taken (RFC 7643 §4.1.1 "uniqueness:
        server" says nothing of deleted ones): a repeated name is then a 409 that
        says nothing about the rule under test. The serial is not drawn, so the
        example's draws do not depend on it, and it has a fixed width, so no
        strategy sees a name of another length on a replay.
        """
        serial = f"{next(self._stamps):07x}."
        out = dict(body)
        for name in (NAME_ATTRIBUTE[endpoint_name(endpoint)], "externalId"):
            value = out.get(name)
            if isinstance(value, str) and value.startswith(self.prefix):
                out[name] = f"{self.prefix}{serial}{value[len(self.prefix) :]}"
        return self.required(endpoint, out, serial)

    def required(self, endpoint: str, body: dict[str, Any], serial: str = "") -> dict[str, Any]:
        """``body`` with what the target's ``/Schemas`` declares required and the body
        lacks (RFC 7643 §2.2; :func:`~harness.conformance.bodies_from_schema.with_required`).

        RFC 7643 §4.1.1 requires only ``userName``, and the strategies draw bodies
        without ``displayName`` or ``emails``; a target that declares them required
        refuses every such body, and its filters and PATCH would never be fuzzed.
        The values are the run prefix and a serial (ASCII, an address for
        ``emails``), never drawn, so the example's draws do not depend on them.
        """
        serial = serial or f"{next(self._stamps):07x}."
        name = endpoint_name(endpoint)

        def fresh(part: str) -> str:
            return f"{self.prefix}{serial}{part}"

        return with_required(name, body, self.discovery, fresh)

    def discard(self, reason: str) -> NoReturn:
        """End the current example as one that tests nothing: a precondition the target
        refused (a setup POST, say) is no finding and no crash. Counted by ``reason``
        (the campaign reports "12 examples discarded: setup POST refused with 409")
        and rejected the ``hypothesis.reject()`` way, so hypothesis draws another."""
        self.discards[reason] += 1
        reject()

    # -- requests ----------------------------------------------------------------

    def create(self, endpoint: str, body: dict[str, Any]) -> tuple[ScimResponse, str | None]:
        """POST ``body``; the new id (tracked for cleanup and for ``{idN}``) or None."""
        name = endpoint_name(endpoint)
        step = ReplayStep("POST", f"/{name}", self.template(body), "setup")
        response = self.target.post(f"/{name}", body)
        resource_id = None
        if response.ok and isinstance(response.body, Mapping):
            found = response.body.get("id")
            resource_id = found if isinstance(found, str) and found else None
        self._setup.append((step, response.exchange, resource_id))
        return response, resource_id

    def get(self, endpoint: str, resource_id: str) -> ScimResponse:
        return self.target.get(item_path(endpoint, resource_id))

    def patch(self, endpoint: str, resource_id: str, body: Any) -> ScimResponse:
        return self.target.patch(item_path(endpoint, resource_id), body)

    def put(self, endpoint: str, resource_id: str, body: Any) -> ScimResponse:
        return self.target.put(item_path(endpoint, resource_id), body)

    def delete(self, endpoint: str, resource_id: str) -> ScimResponse:
        return self.target.delete(item_path(endpoint, resource_id))

    def list_page(
        self, endpoint: str, filter_text: str | None, start_index: int, count: int
    ) -> ScimResponse:
        params: dict[str, str | int] = {"startIndex": start_index, "count": count}
        if filter_text:
            params = {"filter": filter_text, **params}
        return self.target.get(f"/{endpoint_name(endpoint)}", params=params)

    def full_listing(
        self,
        endpoint: str,
        filter: str | None = None,
        page_size: int | None = None,
        *,
        first: ScimResponse | None = None,
        kind: str = "listing-broken",
    ) -> list[dict[str, Any]] | Finding:
        """Every resource of the run matching ``filter``, page by page (RFC 7644 §3.4.2.4).

        On a shared target only the resources named with the run prefix are
        kept; the paging invariants hold for the whole walk. Returns a :class:`Finding`
        instead when the pages cannot be trusted: a page that is not a
        ListResponse, 5xx, ``totalResults`` changing between pages, a resource
        seen twice, or pages that end before ``totalResults`` resources came.
        ``first`` is page 1 when the caller already asked for it. ``kind``: the
        finding's kind — ``paging`` for the paging property, whose rule this is;
        ``listing-broken`` for a listing another property needed (a filter's
        result, the population), so a filter run is not reported as "paging".
        """
        from harness.fuzz.oracles import invariants, listing_problem

        text = self.scoped(endpoint, filter)
        size = page_size or self._page
        ours = named_with(self.prefix, endpoint_name(endpoint))
        complete = False
        collected: list[dict[str, Any]] = []
        seen: set[str] = set()
        exchanges: list[Exchange] = []
        total: int | None = None
        start = 1
        for _ in range(MAX_PAGES):
            if first is not None:  # page 1, already fetched by the caller
                response, first = first, None
            else:
                response = self.list_page(endpoint, text, start, size)
            exchanges.append(response.exchange)
            broken = invariants(response, self)
            if broken:
                return broken[0]
            problem = listing_problem(response, size, total)
            if problem is not None:
                return self.paging_finding(endpoint, text, size, problem, exchanges, kind)
            body = response.body
            total = body["totalResults"]
            items = [item for item in body.get("Resources") or [] if isinstance(item, dict)]
            for item in items:
                item_id = item.get("id")
                if not isinstance(item_id, str) or not item_id:
                    return Finding.of(
                        "id-unstable",
                        f"a listed {endpoint_name(endpoint)} resource has no id",
                        self.setup_exchanges() + exchanges,
                        self.setup_steps(),
                    )
                if item_id in seen:
                    problem = f"resource {item_id} appears on two pages (startIndex {start})"
                    return self.paging_finding(endpoint, text, size, problem, exchanges, kind)
                seen.add(item_id)
                collected.append(item)
            start += len(items)
            if not items or total is None or start > total:
                complete = True
                break
        if not complete and not self.private:
            raise ListingIncomplete(
                f"the listing of /{endpoint_name(endpoint)} did not end within {MAX_PAGES} "
                f"pages of {size}: the run's own resources cannot all be found on this tenant"
            )
        if total is not None and len(collected) != total:
            problem = f"the pages hold {len(collected)} resources, totalResults says {total}"
            return self.paging_finding(endpoint, text, size, problem, exchanges, kind)
        return collected if self.private else [item for item in collected if ours(item)]

    def paging_finding(
        self,
        endpoint: str,
        text: str | None,
        size: int,
        problem: str,
        exchanges: list[Exchange],
        kind: str = "paging",
    ) -> Finding:
        ids = " ".join(self.template(i) for i in self.created_ids())
        query = {"filter": text} if text else {}
        step = ReplayStep(
            "GET", self.template_path(list_path(endpoint, query)), None, f"paging {size} ids"
        )
        if ids:
            step = ReplayStep(step.method, step.path, None, f"paging {size} ids {ids}")
        return Finding.of(
            kind, problem, self.setup_exchanges() + exchanges, [*self.setup_steps(), step]
        )

    # -- the example's record ----------------------------------------------------

    def _records(self) -> list[Record]:
        """The chunk's fixture, then the example's own POSTs: the order ``{idN}`` counts in.

        Only POSTs the target accepted with an id: a refused one created nothing a later
        request reads, and as a ``setup`` step its replay stops on the same refusal
        ("could not replay: setup POST → 400"). A finding about that POST itself (a 5xx,
        a non-SCIM error body) adds it as its failing step (``oracles.invariants``).
        """
        return [record for record in (*self._fixture, *self._setup) if record[2] is not None]

    def template(self, value: Any, ids: list[str] | None = None) -> Any:
        """A JSON value with each id created for this example (its fixture's first)
        replaced by ``{idN}`` where it is a whole value (:mod:`harness.fuzz.placeholders`);
        ``ids``: number these ids instead (a reduced reproducer)."""
        return template_value(value, self.created_ids() if ids is None else ids)

    def template_path(self, path: str, ids: list[str] | None = None) -> str:
        """A request path with the example's ids as ``{idN}`` (segments, filter literals)."""
        return template_path(path, self.created_ids() if ids is None else ids)

    def template_text(self, text: str, ids: list[str] | None = None) -> str:
        """A sentence with the example's ids, quoted or as path segments, as ``{idN}``."""
        return template_text(text, self.created_ids() if ids is None else ids)

    def setup_steps(self) -> list[ReplayStep]:
        return [step for step, _, _ in self._records()]

    def setup_exchanges(self) -> list[Exchange]:
        return [exchange for _, exchange, _ in self._records()]

    def created_ids(self) -> list[str]:
        return [resource_id for _, _, resource_id in self._records() if resource_id is not None]

    @contextmanager
    def example(self) -> Iterator[None]:
        """One hypothesis example: its record starts empty and what it created is deleted."""
        self._setup = []
        # The client keeps every exchange; an example's are needed only until
        # its findings hold them (100 000 examples would otherwise fill memory).
        self.client.exchanges.clear()
        try:
            with self.target.scope():
                yield
        finally:
            self._setup = []

    @contextmanager
    def fixture(self, build: Callable[[FuzzTarget], T]) -> Iterator[T]:
        """A population that every example of a chunk reads, created once by ``build``.

        Creating resources is most of an example's cost (a POST and a DELETE
        each); a filter changes nothing, so the examples of a chunk can query
        one population. Its POSTs come first in every example's record (so a
        finding replays them) and it is deleted when the chunk ends.
        """
        with self.target.scope():
            self._setup = []
            try:
                built = build(self)
                self._fixture, self._setup = self._setup, []
                yield built
            finally:
                self._fixture, self._setup = [], []
                self.client.exchanges.clear()

    def cleanup(self) -> None:
        """Delete what is left and sweep the prefix (end of a run, also after Ctrl-C)."""
        self.target.cleanup()

    def close(self) -> None:
        self.client.close()
