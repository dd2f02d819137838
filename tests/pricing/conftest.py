"""The organisation fixtures: customers' (tests/customers/conftest.py) for the price
rule, and the sales organisation (tests/sales/conftest.py) for promotions and lines."""

from tests.customers.conftest import (  # noqa: F401 - fixtures, re-exported
    beta_org,
    committed_customer,
    org,
)
from tests.sales.conftest import beta_sales_org, sales_org  # noqa: F401 - fixtures, re-exported
