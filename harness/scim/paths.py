"""PATCH paths (RFC 7644 §3.5.2): ``PATH = attrPath / valuePath [subAttr]``.

The path grammar is the filter grammar's ``attrPath`` and ``valuePath``
rules (§3.5.2 refers to §3.4.2.2 for both), so a path is read by the same
machinery as a filter (:class:`harness.scim.filters.Reader`: our lexer, the
package scim2-filter-parser's rules) from the ``attr_path`` start symbol.
Two things are path-specific:

* the ``[subAttr]`` after ``]`` (``emails[type eq "work"].value``) is taken
  off the token stream before the parse, because the package's ``attr_path``
  rule would rewrite it into ``emails.value[type eq "work"]`` and the two
  would become indistinguishable;
* every error inside a path — the bracketed value filter included — is
  ``invalidPath``: §3.12 Table 9 reserves ``invalidFilter`` for the filter
  query parameter and gives ``invalidPath`` for "the path attribute was
  invalid or malformed" (§3.5.2).
"""

from __future__ import annotations

from scim2_filter_parser import ast as pkg_ast

from harness.scim import errors
from harness.scim.compat import DEFAULT, Compat
from harness.scim.errors import ScimError
from harness.scim.expr import PatchPath, ValuePath
from harness.scim.filters import Reader, explain_unresolved, validate_value_filter
from harness.scim.schema import AttributeRef, ResourceType

__all__ = ["parse_path", "resolve_path"]


def parse_path(text: str) -> PatchPath:
    """The syntax tree of a PATCH ``path``; names kept as the client spelled them.

    Accepts URN-qualified paths (``urn:…:enterprise:2.0:User:manager.value``,
    §3.10), sub-attributes (``name.familyName``) and value paths with an
    optional trailing sub-attribute (``members[value eq "2819c223"]``,
    ``emails[type eq "work"].value``). Anything else — empty text, a filter
    such as ``userName eq "x"``, ``a..b``, spaces inside names, text after
    ``]`` — raises ``invalidPath`` naming the problem and its position.
    """
    reader = Reader(text, "path")
    tokens = reader.tokens
    sub_attr = None
    if len(tokens) >= 2 and (tokens[-2].type, tokens[-1].type) == ("RBRACKET", "SUBATTR"):
        sub_attr = tokens[-1].value
        tokens = tokens[:-1]
    node = reader.parse(tokens, "attr_path")
    if isinstance(node.attr_name, pkg_ast.Filter):
        value_path = reader.to_filter(node.attr_name)
        assert isinstance(value_path, ValuePath)  # the package's value_path node
        return PatchPath(value_path.path, value_path.filter, sub_attr)
    return PatchPath(reader.to_attr_path(node))


def resolve_path(
    path: PatchPath, resource_type: ResourceType, compat: Compat = DEFAULT
) -> AttributeRef:
    """The attribute ``path`` designates in ``resource_type`` (§3.5.2, §3.10).

    The result's ``sub_attribute`` is the one named after the attribute
    (``name.givenName``) or after ``]`` (``emails[…].value``). Raises
    ``invalidPath`` for an unknown attribute, sub-attribute or extension; for
    a value filter on an attribute that is not multi-valued (§3.5.2: the
    valuePath "allows specific values of a complex multi-valued attribute to
    be selected"); and for a value filter that does not fit the attribute
    (:func:`harness.scim.filters.validate_value_filter`, reported as
    ``invalidPath`` because it is part of a path).
    """
    ref = resource_type.resolve(path.attr.urn, path.attr.attr, path.attr.sub_attr)
    if ref is None:
        raise errors.invalid_path(f"{explain_unresolved(path.attr, resource_type)} (path '{path}')")
    if path.value_filter is not None:
        _check_value_filter(path, ref, resource_type, compat)
    if path.sub_attr is None:
        return ref
    if ref.sub_attribute is not None:
        raise errors.invalid_path(f"'{path}' names two sub-attributes (RFC 7644 §3.5.2)")
    sub = ref.attribute.sub(path.sub_attr)
    if sub is None:
        raise errors.invalid_path(
            f"'{ref.attribute.name}' has no sub-attribute '{path.sub_attr}' (path '{path}')"
        )
    return AttributeRef(ref.schema_urn, ref.attribute, sub, ref.container)


def _check_value_filter(
    path: PatchPath, ref: AttributeRef, resource_type: ResourceType, compat: Compat
) -> None:
    assert path.value_filter is not None
    if ref.sub_attribute is not None or not ref.attribute.multi_valued:
        raise errors.invalid_path(
            f"'{path}': a value filter selects values of a multi-valued attribute, and "
            f"'{path.attr}' is single-valued (RFC 7644 §3.5.2 valuePath)"
        )
    try:
        validate_value_filter(path.value_filter, ref, resource_type, compat)
    except ScimError as error:
        raise errors.invalid_path(f"{error.detail} (path '{path}')") from None
