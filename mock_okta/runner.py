"""Run one scenario: an org, an app connected to the target, each step, each expectation.

Why this shape: a scenario is Okta's view of a provisioning flow (issue 5),
so the runner drives the org service (:class:`mock_okta.org.Org`) exactly as
an admin would — add users and groups, add the app, connect it, then one
lifecycle event per step — and checks after each step what Okta reports and
what the SCIM target holds (:mod:`mock_okta.expectations`). A failed step
blocks only the steps that depend on it (:mod:`mock_okta.dependencies`);
the others still run, as Okta's tasks do. An ``optional`` step that fails is
a warning; a step the target does not offer (:mod:`mock_okta.offers`) is
skipped with the reason; an exception of the harness's own is an ``error``
step with its traceback. Whatever happens (failure, error, Ctrl-C) the
run then removes what it created — groups first, then users, DELETE or
``active: false`` where DELETE is refused — with the conformance suite's
one cleanup implementation (:class:`harness.conformance.target.Target`).

Safe on a real tenant: against a URL every name gets the run prefix
(:mod:`mock_okta.namespace`) and every client of the run shares one
guarded transport (:mod:`mock_okta.guard`) that refuses writes to anything
the run did not create. Secrets — the target's token, Basic password, the
management API token, passwords pushed by steps — are redacted from every
exchange, message and report.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from harness.client import Exchange, Redactor, ScimClient, ScimResponse
from harness.conformance.bodies_from_schema import with_required
from harness.conformance.capabilities import Capabilities
from harness.conformance.target import Target
from harness.scim.schema import GROUP_URN, USER_URN
from mock_okta import dependencies, wire
from mock_okta.connection import AuthScheme, Connection, ConnectionStatus
from mock_okta.expectations import (
    MISSING,
    Advisory,
    Observed,
    StepRun,
    default_failures,
    evaluate,
    json_path,
)
from mock_okta.guard import GuardedTransport, Ledger
from mock_okta.judge import OktaWords
from mock_okta.model import AppInstance, OktaGroup, OktaUser
from mock_okta.namespace import Namespace, id_namespace, namespaced, run_prefix
from mock_okta.offers import REQUIRES, Offers
from mock_okta.org import EVERYONE, Org, Outcome
from mock_okta.results import ScenarioResult, StepVerdict, StepVerdictName
from mock_okta.scenario import RAW_EVENTS, Event, Scenario, Step
from mock_okta.settings import AppKind
from mock_okta.variables import UnknownVariable, Variables

#: The base URL an in-process target is reached at (any host reaches the app).
IN_PROCESS_URL = "http://scim.test"
#: Where the management API mock answers (``okta_api`` paths are relative to it).
ORG_URL = "http://okta.test"
#: The observer's User-Agent: the harness's own reads are never mistaken for Okta's.
OBSERVER_AGENT = "scim-harness"
#: ``request`` steps: the OIN SPEC test's Runscope User-Agent (okta-provisioning.md,
#: "OIN submission tests").
REQUEST_AGENT = "OKTA SCIM Integration"
#: Okta's management API speaks plain JSON (seed 004).
API_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}

Progress = Callable[[ScenarioResult, StepVerdict], None]


@dataclass(frozen=True)
class RunTarget:
    """The SCIM service provider under test: a base URL, or an ASGI app in memory."""

    url: str | None = None
    token: str | None = None
    #: An ASGI app called in-process (tests, pytest items) instead of a URL.
    app: Any = None
    #: ``(username, password)`` for ``auth: basic`` scenarios.
    basic: tuple[str, str] | None = None
    #: Seconds per request (Okta waits about 60 s, okta-provisioning.md "Timeout").
    timeout: float = wire.TIMEOUT

    def __post_init__(self) -> None:
        if (self.url is None) == (self.app is None):
            raise ValueError("a RunTarget needs exactly one of url and app")

    @property
    def base_url(self) -> str:
        return (self.url or IN_PROCESS_URL).rstrip("/")

    def authorization(self) -> str | None:
        """How the harness's own clients authenticate: the token, else Basic."""
        if self.token:
            return f"Bearer {self.token}"
        if self.basic:
            username, password = self.basic
            basic = Connection(auth_scheme=AuthScheme.BASIC, username=username, password=password)
            return basic.authorization()
        return None

    def secrets(self) -> tuple[str, ...]:
        values = [self.token, self.basic[1] if self.basic else None]
        return tuple(value for value in values if value)


class ScenarioInterrupted(KeyboardInterrupt):
    """Ctrl-C during a scenario: cleanup ran; ``result`` is what was done until then."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__("interrupted")
        self.result = result


class StepError(Exception):
    """A step that cannot even be attempted (an unknown user, a missing API)."""


class SetupError(Exception):
    """The scenario's setup failed (a ``given`` resource named a variable it cannot)."""


class SetupRefused(SetupError):
    """The target refused a ``given`` resource: the scenario is ``blocked``, not judged
    (a precondition that failed is not a verdict on the flow)."""


# -- events --------------------------------------------------------------------


class Names:
    """The org's users and groups by the names a step uses (old group names too)."""

    def __init__(self, org: Org, namespace: Namespace) -> None:
        self.org = org
        self.namespace = namespace
        #: Every name a group has had (``rename_group``: later steps may use either).
        self.aliases: dict[str, OktaGroup] = {}

    def find_group(self, name: str) -> OktaGroup | None:
        name = self.namespace.name(name)
        return self.aliases.get(name.casefold()) or self.org.find_group(name)

    def user(self, login: str | None) -> OktaUser:
        user = None if login is None else self.org.find_user(self.namespace.name(login))
        if user is None:
            raise StepError(f"no Okta user has the login {login!r}")
        return user

    def group(self, name: str | None) -> OktaGroup:
        group = None if name is None else self.find_group(name)
        if group is None:
            raise StepError(f"no Okta group is named {name!r}")
        return group

    def renamed(self, group: OktaGroup, old: str) -> None:
        self.aliases[old.casefold()] = group
        self.aliases[group.name.casefold()] = group


Handler = Callable[[Org, AppInstance, Step, Names], Outcome]


def _rename(org: Org, app: AppInstance, step: Step, names: Names) -> Outcome:
    group = names.group(step.group)
    old = group.name
    outcome = org.rename_group(group, str(step.to))
    names.renamed(group, old)
    return outcome


#: Event → the org service call an admin's action makes (docs/scenarios.md, "Steps").
EVENT_HANDLERS: dict[Event, Handler] = {
    Event.TEST_CONNECTION: lambda org, app, step, n: org.test_connection(app),
    Event.ASSIGN_USER: lambda org, app, step, n: org.assign_user(app, n.user(step.login)),
    Event.UNASSIGN_USER: lambda org, app, step, n: org.unassign_user(app, n.user(step.login)),
    Event.ASSIGN_GROUP: lambda org, app, step, n: org.assign_group(app, n.group(step.group)),
    Event.UNASSIGN_GROUP: lambda org, app, step, n: org.unassign_group(app, n.group(step.group)),
    Event.UPDATE_PROFILE: lambda org, app, step, n: org.update_profile(
        n.user(step.login), dict(step.profile)
    ),
    Event.DEACTIVATE_USER: lambda org, app, step, n: org.deactivate_user(n.user(step.login)),
    Event.REACTIVATE_USER: lambda org, app, step, n: org.reactivate_user(n.user(step.login)),
    Event.VERIFY_USER: lambda org, app, step, n: org.verify_user(app, n.user(step.login)),
    Event.SIGN_IN: lambda org, app, step, n: org.sign_in(app, n.user(step.login)),
    Event.PUSH_PASSWORD: lambda org, app, step, n: org.push_password(
        n.user(step.login), step.password or ""
    ),
    Event.PUSH_GROUP: lambda org, app, step, n: org.push_group(app, n.group(step.group)),
    Event.ADD_MEMBER: lambda org, app, step, n: org.add_member(
        n.group(step.group), n.user(step.login)
    ),
    Event.REMOVE_MEMBER: lambda org, app, step, n: org.remove_member(
        n.group(step.group), n.user(step.login)
    ),
    Event.RENAME_GROUP: _rename,
    Event.DELETE_PUSHED_GROUP: lambda org, app, step, n: org.delete_pushed_group(
        app, n.group(step.group)
    ),
    Event.IMPORT_USERS: lambda org, app, step, n: org.import_users(app),
    Event.IMPORT_GROUPS: lambda org, app, step, n: org.import_groups(app),
    Event.RETRY_FAILED: lambda org, app, step, n: org.retry_failed(app),
}


def describe(step: Step) -> str:
    """The step's argument as one short string (a login, a group, ``METHOD path``)."""
    if step.request is not None:
        return f"{step.request.method} {step.request.path}"
    parts = [part for part in (step.group, step.login) if part]
    if step.to:
        parts.append(f"→ {step.to}")
    if step.profile:
        parts.append("{" + ", ".join(f"{k}: {v}" for k, v in step.profile.items()) + "}")
    return " ".join(parts)


# -- the run -------------------------------------------------------------------


def run_scenario(
    scenario: Scenario,
    target: RunTarget,
    *,
    prefix: str | None = None,
    progress: Progress | None = None,
    app_kind: AppKind | str | None = None,
) -> ScenarioResult:
    """Run ``scenario`` against ``target``; never raises for the target's faults.

    ``prefix``: the namespace prefix; default a fresh ``scimh-<6 hex>-`` for a
    URL target and ``""`` for an in-process app (a fresh, private server, so
    transcripts read exactly like the YAML). ``app_kind`` overrides the
    scenario's ``app.kind``. Ctrl-C raises :class:`ScenarioInterrupted` after
    cleanup.
    """
    started = time.perf_counter()
    if prefix is None:
        prefix = run_prefix() if target.url is not None else ""
    if app_kind is not None:
        scenario = dataclasses.replace(
            scenario, app=dataclasses.replace(scenario.app, kind=AppKind(app_kind))
        )
    result = ScenarioResult(
        scenario.name,
        scenario.source,
        "passed",
        prefix=prefix,
        app_kind=scenario.app.kind.value,
        description=scenario.description.strip(),
        tags=scenario.tags,
    )
    skip = skip_reason(scenario, target)
    if skip is not None:
        result.verdict, result.reason = "skipped", skip
        result.steps = [
            StepVerdict(s.index, s.event.value, s.line, "skipped", describe(s))
            for s in scenario.steps
        ]
        return result
    # Read from the file as written: ${scim.<login>.id} keeps the login unprefixed.
    needs = dependencies.needs(scenario)
    scenario, namespace = namespaced(scenario, prefix)
    run = _ScenarioRun(scenario, target, namespace, result, progress, needs)
    try:
        run.execute()
    except KeyboardInterrupt:
        result.verdict, result.reason = "error", "interrupted (Ctrl-C); cleanup ran"
        run.finish(started)
        raise ScenarioInterrupted(result) from None
    except Exception as exc:  # a bug of ours between steps: an error, and cleanup still runs
        result.verdict = "error"
        result.reason = f"the harness raised {type(exc).__name__}: {exc}"
        result.traceback = run.redactor.text(traceback.format_exc())
    run.finish(started)
    return result


def skip_reason(scenario: Scenario, target: RunTarget) -> str | None:
    """Why ``scenario`` cannot run against ``target`` at all, or None."""
    if scenario.app.connect and scenario.app.auth is AuthScheme.BASIC and target.basic is None:
        return "needs Basic credentials (app.auth: basic), and the target has none"
    return None


class _ScenarioRun:
    """One scenario's org, clients, variables and cleanup."""

    def __init__(
        self,
        scenario: Scenario,
        target: RunTarget,
        namespace: Namespace,
        result: ScenarioResult,
        progress: Progress | None,
        needs: Mapping[int, tuple[dependencies.Need, ...]] | None = None,
    ) -> None:
        self.scenario = scenario
        self.needs = needs if needs is not None else dependencies.needs(scenario)
        self.target = target
        self.namespace = namespace
        self.result = result
        self.progress = progress
        self.ledger = Ledger()
        passwords = [step.password for step in scenario.steps if step.password]
        self.api_token = secrets.token_urlsafe(24)
        self.redactor = Redactor((*target.secrets(), self.api_token, *passwords))
        # The harness's own reads honour 429 as long as Okta would: a rate limit Okta
        # rides out must not fail an expectation. Raw ``request`` steps see the 429s.
        self.observer = self._client(OBSERVER_AGENT, retries=wire.MAX_RETRIES)
        self.requester = self._client(REQUEST_AGENT)
        self._api: ScimClient | None = None
        #: Every SCIM client Okta used (one per connection), for an ``okta_api``
        #: step's consequences.
        self._okta_clients: list[ScimClient] = []
        self.org = Org(self._okta_client, id_namespace=id_namespace(namespace.prefix))
        self.names = Names(self.org, namespace)
        self.app: AppInstance | None = None
        self.variables: Variables | None = None
        #: What the target offers (SPC, /Schemas), read when a step needs it.
        self.offers = Offers(self.observer, namespace.prefix)
        #: Okta group id → the SCIM id it was pushed as (kept after the unlink).
        self.group_ids: dict[str, str] = {}
        #: Whether the last step's action itself succeeded (Okta reported success, or
        #: the raw request was answered 2xx and its values saved).
        self.acted = False

    # -- clients ---------------------------------------------------------------

    def _transport(self, guarded: bool = True) -> httpx.BaseTransport:
        if self.target.app is not None:
            from harness.server.testing import SyncASGITransport

            inner: httpx.BaseTransport = SyncASGITransport(self.target.app)
        else:
            inner = httpx.HTTPTransport()
        return GuardedTransport(inner, self.ledger) if guarded else inner

    def _client(self, user_agent: str, guarded: bool = True, retries: int = 3) -> ScimClient:
        return ScimClient(
            self.target.base_url,
            authorization=self.target.authorization(),
            timeout=self.target.timeout,
            transport=self._transport(guarded),
            user_agent=user_agent,
            max_retries=retries,
        )

    def _okta_client(self, app: AppInstance) -> ScimClient:
        """Okta's SCIM client for ``app``'s connection: Okta's headers, retries and auth."""
        connection = app.connection
        client = wire.okta_client(
            (connection.base_url or self.target.base_url).rstrip("/"),
            None,
            authorization=connection.authorization(),
            timeout=self.target.timeout,
            transport=self._transport(),
        )
        self._okta_clients.append(client)
        return client

    def _api_client(self) -> ScimClient:
        """The management API mock in-process, authenticated with SSWS (seed 004)."""
        if self._api is None:
            try:
                from mock_okta.api.app import create_okta_api
            except ImportError as exc:
                raise StepError(f"the management API mock is not available: {exc}") from exc
            from harness.server.testing import SyncASGITransport

            token = self.target.token
            api = create_okta_api(
                self.org,
                api_token=self.api_token,
                org_url=ORG_URL,
                oauth_access_token=lambda app: token,
            )
            self._api = ScimClient(
                ORG_URL,
                authorization=f"SSWS {self.api_token}",
                timeout=self.target.timeout,
                transport=SyncASGITransport(api),
                user_agent=OBSERVER_AGENT,
            )
            self._api.redactor = self.redactor
        return self._api

    # -- setup -----------------------------------------------------------------

    def setup(self) -> None:
        scenario, org = self.scenario, self.org
        if self.namespace.prefix:
            org.everyone.name = self.namespace.name(EVERYONE)
        for user in scenario.org.users:
            org.add_user(user.login, **dict(user.profile))
        for spec in scenario.org.groups:
            if self.names.find_group(spec.name) is not None:
                continue  # "Everyone" may be declared; it exists already
            org.add_group(spec.name, [self.names.user(login) for login in spec.members])
        app = self.app = org.add_app(scenario.app.label, scenario.app.settings())
        self.variables = Variables(
            org,
            app,
            self.namespace,
            {
                "random": secrets.token_hex(4),
                "prefix": self.namespace.prefix,
                "target.url": self.target.base_url,
                "target.token": self.target.token or "",
                "app.id": app.id,
            },
            groups=self.names.find_group,
        )
        if scenario.app.connect:
            self._connect(app)
        for endpoint, urn, bodies in (
            ("Users", USER_URN, scenario.given.scim_users),
            ("Groups", GROUP_URN, scenario.given.scim_groups),
        ):
            for body in bodies:
                self._give(endpoint, urn, body)

    def _connect(self, app: AppInstance) -> None:
        """The admin's "Configure API Integration": the target's URL and credentials, ENABLED."""
        connection = app.connection
        connection.base_url = self.target.base_url
        connection.auth_scheme = self.scenario.app.auth
        token = self.target.token
        if connection.auth_scheme is AuthScheme.TOKEN:
            connection.token = token
        elif connection.auth_scheme is AuthScheme.HEADER:
            connection.token = f"Bearer {token}"  # seed 001: typed as "Bearer ${key}"
        elif connection.auth_scheme is AuthScheme.BASIC:
            assert self.target.basic is not None  # skip_reason() ruled it out
            connection.username, connection.password = self.target.basic
        else:
            connection.access_token = token
        connection.status = ConnectionStatus.ENABLED

    def _fresh(self, name: str) -> str:
        """A value for a required attribute a ``given`` body lacks: the run's prefix (so the
        cleanup sweep finds it) and the attribute's name."""
        return f"{self.namespace.prefix}{name}-{secrets.token_hex(3)}"

    def _give(self, endpoint: str, urn: str, body: Mapping[str, Any]) -> None:
        assert self.variables is not None
        try:
            resolved = self.variables.resolve(dict(body))
        except UnknownVariable as exc:
            raise SetupError(f"given {endpoint}: {exc}") from None
        resolved.setdefault("schemas", [urn])
        resolved = with_required(endpoint, resolved, self.offers.discovery, self._fresh)
        response = self.observer.post(f"/{endpoint}", resolved)
        if response.status not in (200, 201):
            name = resolved.get("userName") or resolved.get("displayName")
            why = f"HTTP {response.status}" if response.status is not None else response.error
            raise SetupRefused(
                f"setup: the target refused the given {endpoint[:-1].lower()} {name!r} "
                f"(POST /{endpoint} → {why}): {self.redactor.text(response.text[:500])}"
            )

    # -- steps -----------------------------------------------------------------

    def execute(self) -> None:
        try:
            self.setup()
        except SetupRefused as exc:
            self.result.verdict, self.result.reason = "blocked", str(exc)
        except SetupError as exc:
            self.result.verdict, self.result.reason = "error", str(exc)
        except StepError as exc:
            self.result.verdict, self.result.reason = "error", f"setup: {exc}"
        except Exception as exc:  # a bug of ours: an error with its traceback, never a pass
            self.result.verdict = "error"
            self.result.reason = f"setup: the harness raised {type(exc).__name__}: {exc}"
            self.result.traceback = self.redactor.text(traceback.format_exc())
        setup_failed = self.result.verdict in ("error", "blocked")
        needs = self.needs
        failed: set[int] = set()
        for step in self.scenario.steps:
            if setup_failed:
                verdict = self._blocked(step, [], f"the setup failed: {self.result.reason}")
            else:
                blocked = self._blocked_by(step, needs.get(step.index, ()), failed)
                self.acted = False
                verdict = blocked if blocked is not None else self.run_step(step)
            # A step whose action succeeded provides what it made (the user is on the
            # app) even when one of its expectations failed: that finding is reported
            # once, and does not hide the rest of the flow.
            if verdict.verdict in ("failed", "error", "blocked") and not self.acted:
                failed.add(step.index)
            self._tally(verdict)
            self.result.steps.append(verdict)
            if self.progress is not None:
                self.progress(self.result, verdict)

    def _tally(self, verdict: StepVerdict) -> None:
        """The scenario's verdict: error > failed > warning > passed."""
        rank = {"passed": 0, "warning": 1, "failed": 2, "error": 3}
        if verdict.verdict == "error":
            self.result.reason = self.result.reason or (
                f"step {verdict.index} {verdict.event}: the harness raised an exception"
            )
        found = verdict.verdict if verdict.verdict in rank else "passed"
        if verdict.warnings and found == "passed":
            found = "warning"
        if rank[found] > rank.get(self.result.verdict, 0):
            self.result.verdict = found  # type: ignore[assignment]

    def _blocked_by(
        self, step: Step, needs: tuple[dependencies.Need, ...], failed: set[int]
    ) -> StepVerdict | None:
        unmet = [need for need in needs if dependencies.unmet(need, failed)]
        if not unmet:
            return None
        indexes = sorted({index for need in unmet for index in need.steps})
        which = ", ".join(str(index) for index in indexes)
        what = "; ".join(need.what for need in unmet)
        plural = "s" if len(indexes) > 1 else ""
        return self._blocked(step, indexes, f"not run because step{plural} {which} failed ({what})")

    @staticmethod
    def _blocked(step: Step, indexes: list[int], reason: str) -> StepVerdict:
        return StepVerdict(
            step.index,
            step.event.value,
            step.line,
            "blocked",
            describe(step),
            optional=step.optional,
            blocked_by=indexes,
            reason=reason,
        )

    def run_step(self, step: Step) -> StepVerdict:
        assert self.app is not None and self.variables is not None
        started = time.perf_counter()
        failures: list[str] = []
        warnings: list[str] = []
        run: StepRun | None = None
        shown = describe(step)
        verdict: StepVerdictName | None = None
        reason = trace = None
        try:
            resolved = self.variables.resolve(dataclasses.replace(step, expect=None))
            shown = describe(resolved)
            reason = self._unsupported(resolved)
            if reason is not None:
                verdict = "skipped"
            else:
                run = self.perform(resolved)
                unsaved = self.save(resolved, run)
                failures += unsaved
                self.acted = run.ok and not unsaved
                observed = Observed(
                    run, resolved, self.org, self.app, self.observer, self.variables,
                    self.group_ids, self.offers,
                )  # fmt: skip
                if step.expect is not None:
                    found = evaluate(self.variables.resolve(step.expect), observed)
                else:
                    found = default_failures(observed)
                failures += [item for item in found if not isinstance(item, Advisory)]
                warnings += [str(item) for item in found if isinstance(item, Advisory)]
                self._remember_groups()
        except (UnknownVariable, StepError) as exc:
            failures.append(str(exc))
        except Exception as exc:  # a bug must not take the cleanup down with it
            failures.append(f"the harness raised {type(exc).__name__} running this step: {exc}")
            verdict = "error"
            trace = self.redactor.text(traceback.format_exc())
        if verdict is None:
            verdict = ("warning" if step.optional else "failed") if failures else "passed"
        text = self.redactor.text
        said = None if run is None else run.message
        # Okta's words are labelled as Okta's; a raw request's answer or our own
        # description of an outcome is not (the failures quote it).
        okta_words = isinstance(said, OktaWords) and step.event not in RAW_EVENTS
        return StepVerdict(
            index=step.index,
            event=step.event.value,
            line=step.line,
            verdict=verdict,
            argument=text(shown),
            okta_message=text(said) if said and okta_words else None,
            message=text(said) if said and not okta_words else None,
            failures=[text(failure) for failure in failures],
            exchanges=[] if run is None else [self._redact(e) for e in run.exchanges],
            duration_ms=(time.perf_counter() - started) * 1000,
            warnings=[text(warning) for warning in warnings],
            optional=step.optional,
            reason=reason,
            traceback=trace,
        )

    def _unsupported(self, step: Step) -> str | None:
        """Why the target cannot take this step at all (it does not offer the feature)."""
        assert self.app is not None
        check = REQUIRES.get(step.event)
        return None if check is None else check(self.offers, self.app.settings.kind)

    def _remember_groups(self) -> None:
        """Every SCIM id a group was pushed as, kept after an unlink (``exists: false``)."""
        assert self.app is not None
        self.group_ids.update(self.app.pushed_groups)

    def perform(self, step: Step) -> StepRun:
        assert self.app is not None
        if step.event is Event.REQUEST:
            return self._request(step, self.requester, self.target.base_url, {})
        if step.event is Event.OKTA_API:
            before = [len(client.exchanges) for client in self._okta_clients]
            run = self._request(step, self._api_client(), ORG_URL, API_HEADERS)
            before += [0] * (len(self._okta_clients) - len(before))
            run.scim_exchanges = [
                exchange
                for client, start in zip(self._okta_clients, before, strict=True)
                for exchange in client.exchanges[start:]
            ]
            run.exchanges = run.exchanges + run.scim_exchanges
            run.base_url = self.app.connection.base_url or self.target.base_url
            return run
        handler = EVENT_HANDLERS.get(step.event)
        if handler is None:
            raise StepError(f"the runner has no handler for the event {step.event.value!r}")
        outcome = handler(self.org, self.app, step, self.names)
        return StepRun(
            ok=outcome.ok,
            skipped=outcome.skipped,
            message=outcome.message or outcome.reason,
            exchanges=outcome.exchanges,
            base_url=self.app.connection.base_url or self.target.base_url,
            outcome=outcome,
        )

    def _request(
        self, step: Step, client: ScimClient, base_url: str, defaults: Mapping[str, str]
    ) -> StepRun:
        spec = step.request
        if spec is None:
            raise StepError(f"{step.event.value} needs method and path")
        headers = {**defaults, **{_canonical(k): str(v) for k, v in spec.headers.items()}}
        start = len(client.exchanges)
        kwargs: dict[str, Any] = {"headers": headers}
        if isinstance(spec.body, str):
            kwargs["content"] = spec.body
        elif spec.body is not None:
            kwargs["json_body"] = spec.body
        response: ScimResponse = client.request(spec.method.upper(), spec.path, **kwargs)
        message = None
        if not response.ok:
            what = f"HTTP {response.status}" if response.status is not None else response.error
            message = f"{spec.method.upper()} {spec.path} → {what}"
        return StepRun(
            ok=response.ok,
            message=message,
            exchanges=client.exchanges[start:],
            base_url=base_url,
            response=response,
        )

    def save(self, step: Step, run: StepRun) -> list[str]:
        """``save: {name: dotted.path}`` — values of the JSON answer, as variables."""
        if step.request is None or not step.request.save:
            return []
        assert self.variables is not None
        body = None if run.response is None else run.response.body
        failures = []
        for name, path in step.request.save.items():
            value = json_path(body, path)
            if value is MISSING:
                failures.append(f"save {name}: the answer has no value at {path!r}")
            else:
                self.variables.save(name, value)
        return failures

    def _redact(self, exchange: Exchange) -> Exchange:
        text = self.redactor.text
        return dataclasses.replace(
            exchange,
            url=text(exchange.url),
            request_headers=self.redactor.headers(exchange.request_headers),
            request_body=None if exchange.request_body is None else text(exchange.request_body),
            response_headers=self.redactor.headers(exchange.response_headers),
            response_body=text(exchange.response_body),
            error=None if exchange.error is None else text(exchange.error),
        )

    # -- the end ---------------------------------------------------------------

    def finish(self, started: float) -> None:
        """Clean up (always), close every client, time the scenario."""
        try:
            self.cleanup()
        finally:
            self.org.close()
            for client in (self.observer, self.requester, self._api):
                if client is not None:
                    client.close()
            self.result.duration = time.perf_counter() - started

    def cleanup(self) -> None:
        """Remove what the run created (groups first), sweep the prefix, report leftovers."""
        with self._client(OBSERVER_AGENT, guarded=False, retries=wire.MAX_RETRIES) as client:
            cleaner = Target(
                client,
                Capabilities.from_spc(None),
                prefix=self.namespace.prefix,
                batch_cleanup=False,
            )
            for endpoint, resource_id, name in self.ledger.alive():
                cleaner.adopt(endpoint, resource_id, name)
            cleaner.cleanup()
            self.result.removed = cleaner.removed
            self.result.leftovers = [
                {k: self.redactor.text(v) for k, v in item.to_json().items()}
                for item in cleaner.leftovers
            ]


def _canonical(name: str) -> str:
    """``content-type`` → ``Content-Type``, so a step's header replaces the default one."""
    return "-".join(part.capitalize() for part in name.split("-"))
