"""Helpers shared by several test suites: the organisations tests run in (`org`), one
factory function per core object (`factories`), the API client (`api`), the list
query-count rule (`queries`), and cache and worker helpers. README, "Writing a test"."""
