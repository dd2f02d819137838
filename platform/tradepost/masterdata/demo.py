"""Demo master data: a company profile, branches, sales regions, categories and about
forty products with bilingual names. Run inside the demo workspace's schema; safe to
run again (existing records, found by code, SKU or name, are left as they are)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradepost.masterdata import services
from tradepost.masterdata.models import (
    BankAccount,
    Branch,
    CompanyProfile,
    Product,
    ProductCategory,
    SalesRegion,
    StaffProfile,
    TaxRate,
    TreeNode,
)
from tradepost.principals import Actor

TAX_RATES = [
    ("VAT 13% 增值税", Decimal("13"), True),
    ("VAT 9% 增值税", Decimal("9"), False),
    ("Zero-rated 零税率", Decimal("0"), False),
]

# (code, name, parent code, extra fields)
BRANCHES = [
    (
        "HQ",
        "Head office 总部",
        None,
        {"address": "上海市浦东新区世纪大道100号", "phone": "021-5888 0000"},
    ),
    ("SH", "Shanghai branch 上海分公司", "HQ", {"phone": "021-6123 4567"}),
    ("GZ", "Guangzhou branch 广州分公司", "HQ", {"phone": "020-3812 3456"}),
    ("BJ", "Beijing branch 北京分公司", "HQ", {"phone": "010-8456 7890"}),
    ("SH-XJH", "Xujiahui store 徐家汇门店", "SH", {}),
]
REGIONS = [
    ("E", "East China 华东", None),
    ("E-SH", "Shanghai 上海", "E"),
    ("E-JS", "Jiangsu 江苏", "E"),
    ("E-ZJ", "Zhejiang 浙江", "E"),
    ("S", "South China 华南", None),
    ("S-GD", "Guangdong 广东", "S"),
    ("S-FJ", "Fujian 福建", "S"),
    ("N", "North China 华北", None),
    ("N-BJ", "Beijing 北京", "N"),
    ("N-TJ", "Tianjin 天津", "N"),
]
CATEGORIES = [
    ("KIT", "Kitchen appliances 厨房电器", None),
    ("KIT-KET", "Kettles 电水壶", "KIT"),
    ("KIT-RC", "Rice cookers 电饭煲", "KIT"),
    ("KIT-SM", "Small appliances 小家电", "KIT"),
    ("HOM", "Home & living 生活家居", None),
    ("HOM-DRK", "Drinkware 水杯", "HOM"),
    ("HOM-STO", "Storage 收纳", "HOM"),
    ("CARE", "Personal care 个人护理", None),
    ("OFF", "Stationery & office 文具办公", None),
]
# (sku, name, category code, unit, list price)
PRODUCTS = [
    ("KT-1701", "Stainless kettle 1.7L 不锈钢电水壶", "KIT-KET", "台", "129.00"),
    ("KT-1702", "Glass kettle 1.8L 玻璃电水壶", "KIT-KET", "台", "159.00"),
    ("KT-1703", "Temperature-control kettle 温控电水壶", "KIT-KET", "台", "239.00"),
    ("KT-1704", "Travel kettle 0.6L 旅行电水壶", "KIT-KET", "台", "89.00"),
    ("KT-1705", "Gooseneck pour-over kettle 手冲细口壶", "KIT-KET", "台", "299.00"),
    ("RC-3001", "Rice cooker 3L 电饭煲", "KIT-RC", "台", "269.00"),
    ("RC-4001", "IH rice cooker 4L IH电饭煲", "KIT-RC", "台", "599.00"),
    ("RC-5001", "Pressure rice cooker 5L 电压力锅", "KIT-RC", "台", "459.00"),
    ("RC-2001", "Mini rice cooker 2L 迷你电饭煲", "KIT-RC", "台", "169.00"),
    ("SM-1001", "Soy milk maker 豆浆机", "KIT-SM", "台", "359.00"),
    ("SM-1002", "Air fryer 5L 空气炸锅", "KIT-SM", "台", "399.00"),
    ("SM-1003", "Blender 1.5L 破壁料理机", "KIT-SM", "台", "699.00"),
    ("SM-1004", "Toaster 2-slice 多士炉", "KIT-SM", "台", "199.00"),
    ("SM-1005", "Electric steamer 电蒸锅", "KIT-SM", "台", "249.00"),
    ("SM-1006", "Induction cooker 电磁炉", "KIT-SM", "台", "289.00"),
    ("SM-1007", "Sandwich maker 三明治机", "KIT-SM", "台", "159.00"),
    ("DR-5001", "Vacuum flask 500ml 保温杯", "HOM-DRK", "个", "79.00"),
    ("DR-5002", "Vacuum flask 1L 大容量保温壶", "HOM-DRK", "个", "119.00"),
    ("DR-5003", "Ceramic mug 陶瓷马克杯", "HOM-DRK", "个", "39.00"),
    ("DR-5004", "Glass tea cup 玻璃茶杯", "HOM-DRK", "个", "45.00"),
    ("DR-5005", "Kids' water bottle 儿童水杯", "HOM-DRK", "个", "59.00"),
    ("DR-5006", "Tea set 6 pcs 功夫茶具套装", "HOM-DRK", "套", "268.00"),
    ("ST-6001", "Storage box 30L 收纳箱", "HOM-STO", "个", "49.00"),
    ("ST-6002", "Vacuum storage bags 真空压缩袋", "HOM-STO", "包", "35.00"),
    ("ST-6003", "Drawer organiser 抽屉收纳盒", "HOM-STO", "套", "29.90"),
    ("ST-6004", "Shoe rack 鞋架", "HOM-STO", "个", "89.00"),
    ("PC-7001", "Hair dryer 1800W 吹风机", "CARE", "台", "199.00"),
    ("PC-7002", "Electric toothbrush 电动牙刷", "CARE", "支", "169.00"),
    ("PC-7003", "Electric shaver 电动剃须刀", "CARE", "台", "259.00"),
    ("PC-7004", "Hair straightener 直发器", "CARE", "台", "149.00"),
    ("PC-7005", "Bathroom scale 体重秤", "CARE", "台", "99.00"),
    ("OF-8001", "Gel pen 0.5mm (12) 中性笔", "OFF", "盒", "18.00"),
    ("OF-8002", "A4 copy paper 500 sheets A4复印纸", "OFF", "包", "26.50"),
    ("OF-8003", "Notebook B5 笔记本", "OFF", "本", "8.80"),
    ("OF-8004", "Stapler 订书机", "OFF", "个", "22.00"),
    ("OF-8005", "Desk lamp LED 护眼台灯", "OFF", "台", "159.00"),
    ("OF-8006", "File folder (10) 文件夹", "OFF", "包", "15.00"),
    ("OF-8007", "Whiteboard 90×60cm 白板", "OFF", "块", "128.00"),
    ("OF-8008", "Calculator 计算器", "OFF", "个", "45.00"),
    ("OF-8009", "Sticky notes 便利贴", "OFF", "包", "6.50"),
]
# Roles placed in the Shanghai branch and the East China region (the sales team).
SALES_ROLES = {"sales_manager", "salesperson"}


def demo_products() -> list[Product]:
    """The products the other apps' demo documents use: the first twenty active ones
    priced in CNY."""
    return list(Product.objects.filter(is_active=True, currency="CNY").order_by("sku")[:20])


def _owner() -> Any:
    from tradepost.accounts.models import User

    return (
        User.objects.filter(is_active=True, groups__name="system_administrator")
        .order_by("pk")
        .first()
    )


def _tree(actor: Actor, model: type[TreeNode], rows: list[tuple[Any, ...]]) -> dict[str, TreeNode]:
    nodes = {node.code: node for node in model.objects.exclude(code="")}
    for code, name, parent_code, *extra in rows:
        if code not in nodes:
            nodes[code] = services.tree_node_create(
                actor=actor,
                model=model,
                parent=nodes.get(parent_code) if parent_code else None,
                name=name,
                code=code,
                **(extra[0] if extra else {}),
            )
    return nodes


def seed_demo(actor: Actor | None = None) -> None:
    """Fill the current workspace's master data for a demonstration. Idempotent."""
    actor = actor or _owner()
    if not CompanyProfile.objects.exists():
        services.company_profile_update(
            actor=actor,
            tax_id="91310115MA1K4DEMO1",
            address="上海市浦东新区世纪大道100号 100 Century Avenue, Pudong, Shanghai",
            phone="021-5888 0000",
            email="info@demo.example.com",
            base_currency="CNY",
        )
    if not BankAccount.objects.exists():
        services.bank_account_create(
            actor=actor,
            bank_name="China Merchants Bank, Shanghai Pudong 招商银行上海浦东支行",
            account_name="Demo Trading Co. 演示贸易有限公司",
            account_number="6214 8301 2345 6789",
            is_default=True,
        )
    rates = {rate.name: rate for rate in TaxRate.objects.all()}
    for name, rate, is_default in TAX_RATES:
        if name not in rates:
            rates[name] = services.tax_rate_create(
                actor=actor, name=name, rate=rate, is_default=is_default
            )
    branches = _tree(actor, Branch, BRANCHES)
    regions = _tree(actor, SalesRegion, REGIONS)
    categories = _tree(actor, ProductCategory, CATEGORIES)
    existing = {sku.upper() for sku in Product.objects.values_list("sku", flat=True)}
    for index, (sku, name, category, unit, price) in enumerate(PRODUCTS):
        if sku in existing:
            continue
        services.product_create(
            actor=actor,
            sku=sku,
            name=name,
            category=categories[category],
            unit=unit,
            barcode=f"69{index + 1:010d}",
            list_price=Decimal(price),
        )
    _place_staff(actor, branches, regions)
    _report_lines(actor)


def _place_staff(actor: Actor, branches: dict[str, TreeNode], regions: dict[str, TreeNode]) -> None:
    from tradepost.accounts.models import User

    placed = set(StaffProfile.objects.values_list("user_id", flat=True))
    for user in User.objects.filter(is_active=True).prefetch_related("groups").order_by("pk"):
        if user.pk in placed:
            continue
        in_sales = bool(SALES_ROLES & set(user.roles))
        services.staff_profile_set(
            actor=actor,
            user=user,
            branch=branches["SH" if in_sales else "HQ"],
            region=regions["E"] if in_sales else None,
        )


MANAGED_BY_THE_HEAD = {"sales_manager", "finance_manager", "warehouse_manager", "executive"}


def _report_lines(actor: Actor) -> None:
    """The demo's reporting chain, while nobody has a manager yet: salespeople report to
    the first sales manager; managers and executives to `actor` (the owner), so the org
    chart, the managers' scope and escalation have a chain to follow."""
    if StaffProfile.objects.filter(manager__isnull=False).exists():
        return
    head: Any = actor if getattr(actor, "pk", None) else None  # a user, not an API key
    profiles = list(
        StaffProfile.objects.select_related("user").prefetch_related("user__groups").order_by("pk")
    )
    sales_managers = [p.user for p in profiles if "sales_manager" in p.user.roles]
    for profile in profiles:
        roles = set(profile.user.roles)
        manager: Any
        if "salesperson" in roles and sales_managers:
            manager = sales_managers[0]
        elif head is not None and profile.user_id != head.pk and roles & MANAGED_BY_THE_HEAD:
            manager = head
        else:
            continue
        services.staff_profile_update(actor=actor, user=profile.user, manager=manager)
