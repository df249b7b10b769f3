"""The SCIM semantics core: pure functions over JSON resources, no I/O.

One implementation of each RFC 7643/7644 rule, shared by the reference
server, the fuzz oracle and the mock IdP's expectations.
"""
