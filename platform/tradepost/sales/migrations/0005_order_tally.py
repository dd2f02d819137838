"""The order tally: how many orders a workspace holds, per month of order date, kept by
triggers on `sales_order` so that a list of every order and the plan's orders per
month need not count the table (see `sales.models.OrderTally`).

* after INSERT and after DELETE, once per statement (a COPY of 100,000 orders is one
  upsert per month): the statement's rows (a transition table) grouped by month are
  added to, or taken from, the row of that month and of the connection's slot;
* after an UPDATE that changes an order's date, per row: one taken from the old month
  and added to the new;
* after TRUNCATE: the tally is emptied.

The functions live in the workspace's schema and qualify the tally by the schema of
the table that fired them (`TG_TABLE_SCHEMA`), so `clone_schema` copies them into every
workspace cloned from the template and a renamed pooled schema keeps working. Existing
orders are counted under a SHARE lock of `sales_order`, taken before the triggers are
made: no order is written between the count and the triggers.
"""

from django.db import migrations, models

# `slots` rows per month: see OrderTally.SLOTS.
ROWS_FUNCTION = """
CREATE FUNCTION sales_order_tally_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.sales_ordertally AS t (month, slot, orders) '
        'SELECT date_trunc(''month'', order_date)::date, pg_backend_pid() %% 16, $1 * count(*) '
        'FROM %s GROUP BY 1 ORDER BY 1 '
        'ON CONFLICT (month, slot) DO UPDATE SET orders = t.orders + EXCLUDED.orders',
        TG_TABLE_SCHEMA,
        CASE WHEN TG_OP = 'INSERT' THEN 'tally_new' ELSE 'tally_old' END
    ) USING CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
    RETURN NULL;
END;
$$;
"""

DATE_FUNCTION = """
CREATE FUNCTION sales_order_tally_date() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO %I.sales_ordertally AS t (month, slot, orders) '
        'VALUES (date_trunc(''month'', $1)::date, pg_backend_pid() %% 16, -1), '
        '       (date_trunc(''month'', $2)::date, pg_backend_pid() %% 16, 1) '
        'ON CONFLICT (month, slot) DO UPDATE SET orders = t.orders + EXCLUDED.orders',
        TG_TABLE_SCHEMA
    ) USING OLD.order_date, NEW.order_date;
    RETURN NULL;
END;
$$;
"""

TRUNCATE_FUNCTION = """
CREATE FUNCTION sales_order_tally_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %I.sales_ordertally', TG_TABLE_SCHEMA);
    RETURN NULL;
END;
$$;
"""

TRIGGERS = [
    "LOCK TABLE sales_order IN SHARE MODE",
    ROWS_FUNCTION,
    DATE_FUNCTION,
    TRUNCATE_FUNCTION,
    """CREATE TRIGGER sales_order_tally_insert AFTER INSERT ON sales_order
    REFERENCING NEW TABLE AS tally_new
    FOR EACH STATEMENT EXECUTE FUNCTION sales_order_tally_rows()""",
    """CREATE TRIGGER sales_order_tally_delete AFTER DELETE ON sales_order
    REFERENCING OLD TABLE AS tally_old
    FOR EACH STATEMENT EXECUTE FUNCTION sales_order_tally_rows()""",
    """CREATE TRIGGER sales_order_tally_date AFTER UPDATE OF order_date ON sales_order
    FOR EACH ROW WHEN (OLD.order_date IS DISTINCT FROM NEW.order_date)
    EXECUTE FUNCTION sales_order_tally_date()""",
    """CREATE TRIGGER sales_order_tally_truncate AFTER TRUNCATE ON sales_order
    FOR EACH STATEMENT EXECUTE FUNCTION sales_order_tally_truncate()""",
    """INSERT INTO sales_ordertally (month, slot, orders)
    SELECT date_trunc('month', order_date)::date, 0, count(*) FROM sales_order GROUP BY 1""",
]

REVERSE = [
    "DROP TRIGGER IF EXISTS sales_order_tally_truncate ON sales_order",
    "DROP TRIGGER IF EXISTS sales_order_tally_date ON sales_order",
    "DROP TRIGGER IF EXISTS sales_order_tally_delete ON sales_order",
    "DROP TRIGGER IF EXISTS sales_order_tally_insert ON sales_order",
    "DROP FUNCTION IF EXISTS sales_order_tally_truncate()",
    "DROP FUNCTION IF EXISTS sales_order_tally_date()",
    "DROP FUNCTION IF EXISTS sales_order_tally_rows()",
]


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_order_warehouse"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="month")),
                ("slot", models.SmallIntegerField(verbose_name="slot")),
                ("orders", models.BigIntegerField(default=0, verbose_name="orders")),
            ],
            options={
                "verbose_name": "order count",
                "verbose_name_plural": "order counts",
                "constraints": [
                    models.UniqueConstraint(fields=("month", "slot"), name="ordertally_month_slot")
                ],
            },
        ),
        # One statement each: the functions' bodies are dollar-quoted.
        migrations.RunSQL(sql=TRIGGERS, reverse_sql=REVERSE),
    ]
