"""Property-based fuzzing of a SCIM endpoint with a differential oracle (issue 6).

Hand-written checks find the bugs someone thought of; vendors' filter and
PATCH handlers break on combinations nobody wrote down. This package draws
resources, filters and PATCH requests from the RFC 7643 schema registry
and the RFC 7644 grammars (hypothesis), sends them to a target, and judges
each answer against the semantics core (``harness.scim``) — the same code
the reference server runs — plus invariants every conformant server keeps.
Failures are shrunk to a minimal request sequence and written as curl lines
and a replay file.

Modules: ``values``, ``resources``, ``filters``, ``patches`` (strategies);
``findings``, ``oracles``, ``campaign``, ``replay``, ``command`` (judging and
running); ``stateful`` (request sequences as a state machine).
"""
