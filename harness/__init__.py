"""SCIM 2.0 conformance harness: semantics core, reference server, suite, mock Okta."""

__version__ = "0.1.0"
