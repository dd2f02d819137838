"""The split of sales into pipeline, pricing, channel and sales (sales migration 0003
and the new apps' 0001) on a workspace that holds the whole demo: taken back to the
state before the split and forward again, every row is still there and reached through
the models in their new apps, and permissions, role groups and audit history follow.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.audit.models import AuditEntry
from tradepost.channel import adjustments
from tradepost.channel.models import (
    Agreement,
    AgreementLine,
    DealerStockReport,
    DemandPlan,
    DemandPlanLine,
    PriceAdjustment,
    PriceAdjustmentLine,
)
from tradepost.customers.demo import seed_demo as seed_customers
from tradepost.demo import seed_sales_menu
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.pipeline.models import Opportunity, StageProbability
from tradepost.pricing.models import Promotion
from tradepost.sales.models import (
    Order,
    OrderLine,
    OrderReturn,
    OrderReturnLine,
    Quote,
    QuoteLine,
    SettlementCredit,
)

BEFORE_SPLIT = [
    ("sales", "0002_order_date_index"),
    ("pipeline", None),
    ("pricing", None),
    ("channel", None),
]
MOVED = {
    "pipeline": [Opportunity, StageProbability],
    "pricing": [Promotion],
    "channel": [
        Agreement,
        AgreementLine,
        DealerStockReport,
        DemandPlan,
        DemandPlanLine,
        PriceAdjustment,
        PriceAdjustmentLine,
    ],
}
STAYED = [Quote, QuoteLine, Order, OrderLine, OrderReturn, OrderReturnLine, SettlementCredit]
PROMOTION_LINKS = ["sales_promotion_products", "sales_promotion_categories"]


def _table_counts() -> dict[str, int]:
    tables = [m._meta.db_table for models in MOVED.values() for m in models]
    tables += [m._meta.db_table for m in STAYED] + PROMOTION_LINKS
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _migrate(targets) -> MigrationExecutor:
    # Going back drops the inventory tables the demo wrote to in this transaction:
    # their deferred foreign-key checks run first, or PostgreSQL refuses the ALTER.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor


@pytest.mark.django_db
def test_the_split_keeps_every_demo_row_and_what_refers_to_it(alpha, make_user):
    salesperson = make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        seed_masterdata(actor=owner)
        seed_customers(actor=owner)
        assert seed_sales_menu(actor=owner) > 0
        StageProbability.objects.create(stage="proposal", probability=55)
        adjustment = PriceAdjustment.objects.get()
        adjustments.price_adjustment_approve(actor=owner, adjustment=adjustment)
        adjustments.price_adjustment_post(actor=owner, adjustment=adjustment)
        posted = set(adjustment.credits.values_list("pk", flat=True))
        assert posted
        quote = Quote.objects.order_by("pk").first()
        Quote.objects.filter(pk=quote.pk).update(opportunity=Opportunity.objects.get(stage="won"))
        counts = _table_counts()
        assert all(counts.values()), counts  # the demo fills every table
        content_type_ids = {
            model: ContentType.objects.get_for_model(model).pk
            for models in MOVED.values()
            for model in models
        }
        # A group an administrator made, holding a permission of a moved model.
        clerks = Group.objects.create(name="pricing clerks")
        clerks.permissions.add(Permission.objects.get(codename="add_priceadjustment"))
        opportunity_audits = AuditEntry.objects.filter(target_type="pipeline.opportunity").count()
        assert opportunity_audits

        # Back to the workspace as it was before the split: the models are sales'.
        executor = _migrate(BEFORE_SPLIT)
        old = executor.loader.project_state([BEFORE_SPLIT[0]]).apps
        assert not ContentType.objects.filter(app_label__in=MOVED).exists()
        assert AuditEntry.objects.filter(target_type="sales.opportunity").count() == (
            opportunity_audits
        )
        for models in MOVED.values():
            for model in models:
                historical = old.get_model("sales", model.__name__)
                assert historical._meta.db_table == model._meta.db_table
                assert historical.objects.count() == counts[model._meta.db_table]
                assert (
                    ContentType.objects.get(app_label="sales", model=model._meta.model_name).pk
                    == (content_type_ids[model])
                )

        # Forward to today: same tables, same rows, now the new apps' models.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
        assert _table_counts() == counts
        for app, models in MOVED.items():
            for model in models:
                assert model.objects.count() == counts[model._meta.db_table]
                content_type = ContentType.objects.get_for_model(model)
                assert (content_type.app_label, content_type.pk) == (app, content_type_ids[model])
        assert not ContentType.objects.filter(
            app_label="sales", model__in=[m._meta.model_name for ms in MOVED.values() for m in ms]
        ).exists()

        # Relations from the documents that stayed reach the moved models.
        under_agreement = Order.objects.filter(agreement__isnull=False).select_related("agreement")
        assert under_agreement.get().agreement.lines.count() == 3
        promoted = OrderLine.objects.filter(promotion__isnull=False).select_related("promotion")
        assert promoted.exists()
        assert all(isinstance(line.promotion, Promotion) for line in promoted)
        adjustment = PriceAdjustment.objects.get()
        assert set(adjustment.credits.values_list("pk", flat=True)) == posted
        assert SettlementCredit.objects.get(order_return__isnull=False).order_return.lines.exists()
        assert Promotion.objects.filter(products__isnull=False).exists()
        assert Promotion.objects.filter(categories__isnull=False).exists()
        assert Quote.objects.select_related("opportunity").get(pk=quote.pk).opportunity.stage == (
            "won"
        )
        assert Agreement.objects.filter(orders__isnull=False).exists()

        # Permissions and role groups follow the content types; audit history too.
        assert AuditEntry.objects.filter(target_type="pipeline.opportunity").count() == (
            opportunity_audits
        )
        assert not AuditEntry.objects.filter(target_type="sales.opportunity").exists()
        assert list(clerks.permissions.values_list("content_type__app_label", "codename")) == [
            ("channel", "add_priceadjustment")
        ]
        seller = User.objects.get(pk=salesperson.pk)
        assert seller.has_perm("pipeline.add_opportunity")
        assert seller.has_perm("channel.add_demandplan")
        assert seller.has_perm("pricing.view_promotion")
        assert seller.has_perm("sales.add_order")
