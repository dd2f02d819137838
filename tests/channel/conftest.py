"""The sales organisation fixtures (tests/sales/conftest.py): customers, people per
role, products, a default tax rate, a category tree and a customer group."""

from tests.sales.conftest import beta_sales_org, sales_org  # noqa: F401 - fixtures, re-exported
