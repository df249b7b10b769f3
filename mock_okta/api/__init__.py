"""A mock of Okta's management API (seed 004), driving a :class:`~mock_okta.org.Org`.

``create_okta_api(org, api_token=…)`` builds the Starlette app;
``scim-harness okta serve`` runs it under uvicorn (:mod:`.command`). See
``docs/okta-api.md`` for the endpoints and the mock's deviations from Okta.
"""

from mock_okta.api.app import create_okta_api

__all__ = ["create_okta_api"]
