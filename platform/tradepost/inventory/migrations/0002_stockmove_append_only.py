"""The stock ledger is append-only in the database too: a trigger refuses every UPDATE
and DELETE of a stock move, whoever sends it. A mistake is corrected by a new move (an
adjustment, a stocktake), never by editing history.

The function and the trigger live in the workspace's own schema (created through the
search path a tenant migration runs with), so `clone_schema` copies both into every
workspace cloned from the template, and a renamed pooled schema keeps them. TRUNCATE is
not a row change and stays possible (test databases are flushed with it); dropping a
workspace drops its schema. Users are deactivated, never deleted, so the moves' "by"
(SET NULL on a user's deletion) is never rewritten either. The error's SQLSTATE is
restrict_violation (23001): Django raises IntegrityError.
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION stockmove_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'restrict_violation',
        MESSAGE = format('Stock moves are append-only: %s of stock move %s refused.', TG_OP, OLD.id),
        HINT = 'Correct stock with a new move: an adjustment or a stocktake.';
END;
$$;
"""

TRIGGER = """
CREATE TRIGGER stockmove_append_only
BEFORE UPDATE OR DELETE ON inventory_stockmove
FOR EACH ROW EXECUTE FUNCTION stockmove_append_only();
"""

REVERSE = [
    "DROP TRIGGER IF EXISTS stockmove_append_only ON inventory_stockmove",
    "DROP FUNCTION IF EXISTS stockmove_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
    ]

    operations = [
        # One statement each: the function's body is dollar-quoted.
        migrations.RunSQL(sql=[FUNCTION, TRIGGER], reverse_sql=REVERSE),
    ]
