"""Named IdP-compatibility switches for the semantics core.

The reference server is strict where the RFC is explicit and tolerant where a
major IdP is known to deviate; each tolerance has a name here so that the
server, the fuzz oracle and the conformance profiles agree on which reading is
in force (see ``shared/reference/scim-semantics-pitfalls.md`` §10, §13, §14, §21).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Compat:
    """Which non-RFC client shapes the core accepts."""

    #: Entra legacy sends ``"False"``/``"True"`` strings for boolean attributes
    #: (Microsoft "Known issues … SCIM 2.0 protocol compliance"). Accept any case.
    string_booleans: bool = True
    #: Entra sends ``replace emails[type eq "work"].value`` for users without a
    #: work email; RFC 7644 §3.5.2.3 says 400 noTarget. When on, a single
    #: ``type eq "…"`` filter that matches nothing creates the element instead.
    replace_creates: bool = False
    #: RFC 7644 §3.5.2.2 gives noTarget for a remove whose value filter selects
    #: nothing; when on, such a remove is a successful no-op.
    lenient_remove: bool = False
    #: Infer a missing ``schemas`` on resources and PatchOp/SearchRequest bodies
    #: instead of answering 400 invalidSyntax (RFC 7643 §3, RFC 7644 §3.5.2).
    lenient_schemas: bool = False
    #: RFC 7644 §3.10: clients "SHOULD fully qualify extended attributes with
    #: the associated schema extension URN"; a server may refuse the bare name.
    #: Entra sends ``manager`` bare (entra-provisioning.md §3), so when on, a
    #: PATCH path (or path-less key) naming the attribute of exactly one
    #: extension without its URN resolves to it; off → 400 ``invalidPath``.
    bare_extension_paths: bool = True
    #: ``add attr[type eq "…"]…`` where the filter matches nothing: when on the
    #: element is created (Entra ``Add`` for values not yet there,
    #: entra-provisioning.md §4); off → 400 ``noTarget``, RFC 7644 §3.12
    #: Table 9: "the specified path value contains a filter that yields no match".
    filtered_add_creates: bool = True
    #: ``replace attr[filter]`` with an object: RFC 7644 §3.5.2.3 says both "all
    #: matching record values SHALL be replaced" (off: each selected record
    #: becomes the new value) and, for a complex target, "Sub-attributes that
    #: are not specified in the 'value' parameter are left unchanged" (on: the
    #: value is merged into each selected record, as scim2-models does).
    replace_merges_selected: bool = False


#: RFC-literal: every IdP tolerance off, and the RFC's choices taken the refusing way.
STRICT = Compat(string_booleans=False, bare_extension_paths=False, filtered_add_creates=False)
DEFAULT = Compat()
ENTRA = Compat(string_booleans=True, replace_creates=True)
