"""Fixtures: a mock Okta app wired in-process to a fresh reference server (or a faulty one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.client import ScimClient, ScimResponse
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from mock_okta.model import AppInstance
from mock_okta.provisioner import Provisioner
from mock_okta.settings import AppKind, ProvisioningSettings
from mock_okta.wire import okta_client_in_process

TOKEN = "okta-test-token"


class Org:
    """A provisioner plus a plain client to inspect the SCIM side without polluting its log."""

    def __init__(self, app: Any, kind: AppKind) -> None:
        self.scim_app = app
        self.app = AppInstance.new("Acme SCIM", ProvisioningSettings(kind=kind))
        self.okta_client = okta_client_in_process(app, TOKEN, sleep=lambda _: None)
        self.inspect = ScimClient.in_process(app, TOKEN)
        self.provisioner = Provisioner(self.app, self.okta_client)

    def scim_user(self, scim_id: str) -> dict[str, Any]:
        response = self.inspect.get(f"/Users/{scim_id}")
        assert response.status == 200, response.text
        body: dict[str, Any] = response.body
        return body

    def scim_group(self, scim_id: str) -> ScimResponse:
        return self.inspect.get(f"/Groups/{scim_id}")

    def close(self) -> None:
        self.okta_client.close()
        self.inspect.close()


OrgFactory = Callable[..., Org]


@pytest.fixture
def make_org() -> Iterator[OrgFactory]:
    orgs: list[Org] = []

    def make(kind: AppKind = AppKind.CUSTOM, fault: str | None = None) -> Org:
        config = ServerConfig(token=TOKEN)
        app = create_app(config) if fault is None else faulty_app(FAULTS_BY_NAME[fault], config)
        org = Org(app, kind)
        orgs.append(org)
        return org

    yield make
    for org in orgs:
        org.close()
