"""The patterns of err.no-internals: they find server internals and stay quiet on ordinary details.

A warning that fires on an honest message teaches people to ignore it, so the
patterns are tested both ways: against what real servers leak (SQL from an
ORM, stack traces of five runtimes, paths, exception classes) and against
details a careful server writes — English that happens to say "select … from",
quoted filters, JSON parse positions, URLs and user input that look like paths.
"""

from __future__ import annotations

import pytest

from harness.conformance.test_errors import leaks

LEAKS = {
    "sqlalchemy": "(psycopg2.errors.UniqueViolation) duplicate key value violates unique "
    'constraint "users_user_name_key"\n[SQL: INSERT INTO users (id, user_name) VALUES '
    "(%(id)s, %(user_name)s)]",
    "select": "No row: SELECT u.id, u.data FROM scim_users u WHERE u.id = ?",
    "update": 'UPDATE "users" SET "active" = $1 WHERE "id" = $2',
    "delete": "DELETE FROM memberships WHERE group_id = 42",
    "sqlstate": "SQLSTATE[23000]: Integrity constraint violation: 1062 Duplicate entry",
    "oracle": "ORA-00001: unique constraint (APP.USERS_UK) violated",
    "sqlite": "sqlite3.IntegrityError: UNIQUE constraint failed: users.user_name",
    "mysql": "ER_DUP_ENTRY: Duplicate entry 'ada@example.com' for key 'user_name'",
    "mongo": "E11000 duplicate key error collection: app.users index: userName_1",
    "python": 'Traceback (most recent call last):\n  File "/app/scim/views.py", line 88, '
    "in create\nKeyError: 'userName'",
    "python-frame": 'File "C:\\\\srv\\\\scim\\\\handlers.py", line 12, in patch',
    "java": "java.lang.NullPointerException\n\tat com.acme.scim.UserResource.patch"
    "(UserResource.java:214)",
    "dotnet": "System.NullReferenceException: Object reference not set to an instance of an "
    "object.\n   at Acme.Scim.UsersController.Patch(String id) in "
    "D:\\a\\src\\UsersController.cs:line 57",
    "node": "TypeError: Cannot read properties of undefined (reading 'value')\n    at "
    "applyPatch (/usr/src/app/dist/patch.js:41:17)",
    "ruby": "app/models/user.rb:31:in `block in apply_patch'",
    "php": "Stack trace: #0 /var/www/html/scim/Users.php(88): Users->patch()",
    "go": "panic: runtime error: invalid memory address\n\ngoroutine 7 [running]:",
    "path": "could not open /home/deploy/scim-server/config/settings.py",
    "packages": "error in /opt/venv/lib/python3.11/site-packages/flask/app.py",
    "exception-class": "org.springframework.dao.DataIntegrityViolationException: could not "
    "execute statement",
    "hibernate": "org.hibernate.exception.ConstraintViolationException",
    "ef-core": "DbUpdateException: An error occurred while saving the entity changes.",
    "prisma": "PrismaClientKnownRequestError: Unique constraint failed on the fields",
}

BENIGN = [
    "userName is required",
    "Please select a value from the list of allowed types.",
    "Select the user from the directory first, then update it.",
    "Delete from the group first: the user is still a member.",
    "User 'nope' not found",
    "unknown attribute 'bogus': User has no attribute 'bogus'",
    "The request body is not valid JSON: Expecting value: line 1 column 6 (char 5)",
    "unexpected end in filter 'userName eq \"x\" and'; expected an attribute name, 'not' or '('",
    'Filter \'emails[type eq "work"].value co "@example.com"\' is not supported',
    "Operations[0]: 'op' must be one of add, remove, replace (RFC 7644 §3.5.2), got 'frob'",
    "userName is already in use by another User (compared case-insensitively, RFC 7643 §4.1.1)",
    "The value of a replace operation must be an array.",
    "externalId 'ext-app/src/handler.py' is already taken",
    "See https://docs.example.com/app/errors.js for the list of error codes.",
    "A User with userName 'select.from@example.com' already exists.",
    "Too many requests: slow down and retry later.",
    "This endpoint does not support the GET method.",
    "The 'schemas' attribute must contain urn:ietf:params:scim:api:messages:2.0:PatchOp",
    "Type error: 'active' must be a boolean, got \"maybe\"",
    "Key error in your request: 'members' must be an array",
    "Index 3 is out of range for emails (2 values).",
    "Invalid value at Operations[0].value.emails[1]: expected an object.",
    "Name: Zoë Ångström-Łukasz, Δημητρίου 李小龍 😀",
    "The user was updated at 12:04:55 by the administrator.",
    "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>",
]


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_each_kind_of_leak_is_found(name: str) -> None:
    assert leaks(LEAKS[name]), LEAKS[name]


@pytest.mark.parametrize("text", BENIGN)
def test_an_ordinary_detail_is_left_alone(text: str) -> None:
    assert leaks(text) == []


def test_what_is_found_names_the_kind_and_quotes_the_text() -> None:
    found = dict(leaks(LEAKS["python"]))
    assert found["a stack trace"].startswith("Traceback (most recent call last)")
    assert "/app/scim/views.py" in found["a server file path"]
