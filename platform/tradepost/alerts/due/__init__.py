"""The public-schema index of when each workspace next needs the alerts engine.

A separate Django app (label `alerts_due`, in SHARED_APPS only) so its one table lives
in the public schema while the alerts themselves live in each workspace's schema. A
workspace's connection reaches it through the search path (`<schema>, public`), so the
alerts services move a workspace's due time in the same transaction as the alert or
rule that moved it. Beat's dispatcher reads it with one indexed query a minute.
"""
