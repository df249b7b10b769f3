"""Mock-only endpoints: what Okta sent to an app, and its failed tasks.

Real Okta provisions asynchronously and shows failures on its Tasks page;
the mock provisions synchronously, so a test can ask right away what went
over the wire (``GET /api/v1/mock/apps/{appId}/exchanges``: the SCIM
transcript, secrets redacted) and what failed (``…/tasks``, Okta's Tasks
page), and press "Retry" (``POST …/tasks/retry``).
"""

from __future__ import annotations

import json

from starlette.responses import Response

from harness.client import Redactor
from mock_okta.api.context import Api, Call, json_response
from mock_okta.api.serialize import has_connection


def exchanges(api: Api, call: Call) -> Response:
    """The app's SCIM exchanges, oldest first (``Exchange.to_json``, redacted)."""
    app = api.app(call.params["appId"])
    if not has_connection(api, app):
        return json_response([])
    redactor = Redactor(app.connection.secrets())
    text = json.dumps([e.to_json() for e in api.org.provisioner(app).client.exchanges])
    return json_response(json.loads(redactor.text(text)))


def tasks(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    return json_response(
        [{"event": task.event, "errorSummary": task.message} for task in app.failed_tasks]
    )


def retry(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    outcome = api.org.retry_failed(app)
    body = {
        "retried": len(outcome.results),
        "failed": sum(not r.ok for r in outcome.results),
        "remaining": len(app.failed_tasks),
    }
    return json_response(body, 200, outcome)
