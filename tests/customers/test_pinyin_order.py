"""Customers are listed in pinyin order — 安徽 before 李四 before 王五 before 张三, Latin
names among them as a pinyin index has them — on the page, in the API and in pickers,
and a renamed customer moves to its new place."""

from __future__ import annotations

import re

from django_tenants.utils import schema_context

from tradepost.collation import name_sort_key
from tradepost.customers import services
from tradepost.customers.models import Customer

NAMES = ["张三商行", "Apple 贸易", "王五公司", "安徽百货", "李四批发", "bei 北方"]
PINYIN_ORDER = ["安徽百货", "Apple 贸易", "bei 北方", "李四批发", "王五公司", "张三商行"]


def test_the_key_reads_han_as_pinyin_and_folds_the_rest():
    assert name_sort_key("杭州明达") == "hang zhou ming da"
    assert name_sort_key("  重庆  ACME ") == "chong qing acme"
    assert name_sort_key("") == ""


def _make(org) -> None:
    with schema_context(org.workspace.schema):
        Customer.objects.all().delete()
        for index, name in enumerate(NAMES):
            services.customer_create(actor=org.owner, name=name, code=f"PY{index}")


def _page_names(body: str) -> list[str]:
    return re.findall(r'class="wide"[^>]*><a href="/customers/\d+/">([^<]+)</a>', body)


def test_the_list_page_and_the_api_read_in_pinyin_order(org):
    _make(org)

    page = org.client("owner").get("/customers/").content.decode()
    reverse = org.client("owner").get("/customers/", {"sort": "-name"}).content.decode()
    api = org.api("owner").get("/api/v1/customers/").json()

    assert _page_names(page) == PINYIN_ORDER
    assert _page_names(reverse) == list(reversed(PINYIN_ORDER))
    assert [row["name"] for row in api["results"]] == PINYIN_ORDER


def test_a_renamed_customer_moves_to_its_new_place(org):
    _make(org)
    with schema_context(org.workspace.schema):
        zhang = Customer.objects.get(name="张三商行")
        services.customer_update(actor=org.owner, customer=zhang, name="蔡三商行")  # cai
        names = list(Customer.objects.values_list("name", flat=True))

    assert names == ["安徽百货", "Apple 贸易", "bei 北方", "蔡三商行", "李四批发", "王五公司"]
