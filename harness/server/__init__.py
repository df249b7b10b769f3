"""The reference SCIM service provider (Starlette on an embedded SQLite store)."""
