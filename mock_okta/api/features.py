"""``/api/v1/apps/{appId}/features``: Okta's capabilities ↔ the app's provisioning settings.

Seed 004 step "Configure the provisioning features": ``USER_PROVISIONING`` is
the Provisioning > To App page (create, profile updates, deactivation,
password sync), ``INBOUND_PROVISIONING`` the To Okta page (import username,
schedule, matching rules). The bodies are validated against Okta's
published enums (OpenAPI: ``EnabledStatus``, ``SeedEnum``, ``ChangeEnum``,
``ImportUsernameObject``, ``CapabilitiesImportRulesUserCreateAndMatchObject``)
and written into :class:`~mock_okta.settings.ProvisioningSettings` with
``dataclasses.replace`` — keys a PUT leaves out keep their current value.

Two spellings from Okta's own documents are accepted besides the spec's:

* ``update.password.change: "CYCLE"`` — seed 004's example sends it, yet
  ``ChangeEnum`` is ``CHANGE | KEEP_EXISTING``; the guide's value is taken to
  mean ``CHANGE`` (re-send the password on every Okta password change) and
  is stored and answered as ``CHANGE``;
* ``importSettings.username.userNameFormat`` (seed 004 and the spec's
  examples) and ``usernameFormat`` (the spec's schema); ``schedule.*.timeZone``
  (seed 004) and ``timezone`` (the spec). Answers use the examples' spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from mock_okta.api.validate import Bool, Enum, Obj, Str, enum_value
from mock_okta.settings import ImportSettings, ProvisioningSettings, ToAppFeatures

STATUS = Enum(("ENABLED", "DISABLED"))
SEED = Enum(("OKTA", "RANDOM"))
CHANGE = Enum(("CHANGE", "KEEP_EXISTING"), synonyms={"CYCLE": "CHANGE"})
USERNAME_FORMAT = Enum(("EMAIL", "CUSTOM"))
EXACT_MATCH = Enum(("USERNAME", "EMAIL"))

_SWITCH = Obj({"status": STATUS})

USER_PROVISIONING = Obj(
    {
        "create": Obj({"lifecycleCreate": _SWITCH}),
        "update": Obj(
            {
                "lifecycleDeactivate": _SWITCH,
                "profile": _SWITCH,
                "password": Obj({"status": STATUS, "seed": SEED, "change": CHANGE}),
            }
        ),
    },
    required=True,
)

_SCHEDULE = Obj(
    {"expression": Str(), "timeZone": Str(max_length=64), "timezone": Str(max_length=64)},
    nullable=True,
)

INBOUND_PROVISIONING = Obj(
    {
        "importSettings": Obj(
            {
                "username": Obj(
                    {
                        "userNameFormat": USERNAME_FORMAT,
                        "usernameFormat": USERNAME_FORMAT,
                        "userNameExpression": Str(),
                    }
                ),
                "schedule": Obj(
                    {"status": STATUS, "fullImport": _SCHEDULE, "incrementalImport": _SCHEDULE}
                ),
            }
        ),
        "importRules": Obj(
            {
                "userCreateAndMatch": Obj(
                    {
                        "exactMatchCriteria": EXACT_MATCH,
                        "allowPartialMatch": Bool(),
                        "autoConfirmPartialMatch": Bool(),
                        "autoConfirmExactMatch": Bool(),
                        "autoConfirmNewUsers": Bool(),
                        "autoActivateNewUsers": Bool(),
                    }
                )
            }
        ),
    },
    required=True,
)

#: ``update.*`` / ``create.*`` switch → ToAppFeatures field.
_TO_APP_SWITCHES = {
    ("create", "lifecycleCreate"): "create_users",
    ("update", "profile"): "update_attributes",
    ("update", "lifecycleDeactivate"): "deactivate_users",
    ("update", "password"): "sync_password",
}

#: ``userCreateAndMatch`` boolean → ImportSettings field.
_MATCH_FLAGS = {
    "allowPartialMatch": "allow_partial_match",
    "autoConfirmPartialMatch": "auto_confirm_partial_match",
    "autoConfirmExactMatch": "auto_confirm_exact_match",
    "autoConfirmNewUsers": "auto_confirm_new_users",
    "autoActivateNewUsers": "auto_activate_new_users",
}


def _status(flag: bool) -> dict[str, str]:
    return {"status": "ENABLED" if flag else "DISABLED"}


def _enabled(node: Any, current: bool) -> bool:
    status = node.get("status") if isinstance(node, dict) else None
    return current if status is None else status == "ENABLED"


def apply_user_provisioning(
    settings: ProvisioningSettings, body: dict[str, Any]
) -> ProvisioningSettings:
    to_app = settings.to_app
    changes: dict[str, Any] = {}
    for (group, key), name in _TO_APP_SWITCHES.items():
        node = (body.get(group) or {}).get(key)
        changes[name] = _enabled(node, getattr(to_app, name))
    password = (body.get("update") or {}).get("password") or {}
    changes["password_seed"] = enum_value(SEED, password.get("seed"), to_app.password_seed)
    changes["password_change"] = enum_value(CHANGE, password.get("change"), to_app.password_change)
    return replace(settings, to_app=replace(to_app, **changes))


def user_provisioning(to_app: ToAppFeatures) -> dict[str, Any]:
    return {
        "create": {"lifecycleCreate": _status(to_app.create_users)},
        "update": {
            "lifecycleDeactivate": _status(to_app.deactivate_users),
            "profile": _status(to_app.update_attributes),
            "password": {
                **_status(to_app.sync_password),
                "seed": to_app.password_seed,
                "change": to_app.password_change,
            },
        },
    }


def apply_inbound_provisioning(
    settings: ProvisioningSettings, body: dict[str, Any]
) -> ProvisioningSettings:
    current = settings.import_settings
    import_settings = body.get("importSettings") or {}
    username = import_settings.get("username") or {}
    schedule = import_settings.get("schedule") or {}
    full = schedule.get("fullImport") or {}
    rules = (body.get("importRules") or {}).get("userCreateAndMatch") or {}
    changes: dict[str, Any] = {
        "username_format": enum_value(
            USERNAME_FORMAT,
            username.get("userNameFormat", username.get("usernameFormat")),
            current.username_format,
        ),
        "username_expression": username.get("userNameExpression", current.username_expression),
        "schedule_enabled": _enabled(schedule, current.schedule_enabled),
        "exact_match": enum_value(
            EXACT_MATCH, rules.get("exactMatchCriteria"), current.exact_match
        ),
    }
    if "fullImport" in schedule:
        changes["full_import_expression"] = full.get("expression")
        changes["time_zone"] = full.get("timeZone", full.get("timezone"))
    for key, name in _MATCH_FLAGS.items():
        changes[name] = rules.get(key, getattr(current, name))
    return replace(settings, import_settings=replace(current, **changes))


def inbound_provisioning(current: ImportSettings) -> dict[str, Any]:
    username: dict[str, str] = {"userNameFormat": current.username_format}
    if current.username_format == "CUSTOM":
        username["userNameExpression"] = current.username_expression
    full = (
        {"expression": current.full_import_expression, "timezone": current.time_zone}
        if current.full_import_expression
        else None
    )
    return {
        "importSettings": {
            "username": username,
            "schedule": {
                **_status(current.schedule_enabled),
                "fullImport": full,
                "incrementalImport": None,
            },
        },
        "importRules": {
            "userCreateAndMatch": {
                "exactMatchCriteria": current.exact_match,
                **{key: getattr(current, name) for key, name in _MATCH_FLAGS.items()},
            }
        },
    }


@dataclass(frozen=True)
class Feature:
    """One app feature: its body schema, Okta's description, and its settings mapping."""

    schema: Obj
    description: str
    read: Callable[[ProvisioningSettings], dict[str, Any]]
    apply: Callable[[ProvisioningSettings, dict[str, Any]], ProvisioningSettings]


FEATURES: dict[str, Feature] = {
    "USER_PROVISIONING": Feature(
        USER_PROVISIONING,
        "User provisioning settings from Okta to a downstream app",
        lambda settings: user_provisioning(settings.to_app),
        apply_user_provisioning,
    ),
    "INBOUND_PROVISIONING": Feature(
        INBOUND_PROVISIONING,
        "In-bound provisioning settings from an application to Okta",
        lambda settings: inbound_provisioning(settings.import_settings),
        apply_inbound_provisioning,
    ),
}
