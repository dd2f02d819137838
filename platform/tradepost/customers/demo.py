"""Demo customers: about thirty companies across channels and regions, with contacts,
a few price lists, activities, tickets, ratings and dealer reports.

`seed_demo()` runs inside the demo workspace's schema, after the master-data seed
(it uses the branches, regions and products it finds, and does without them when
there are none). It writes through the services, so the audit log reads right, and
is idempotent: customers are found by their code (DM001 …) and left alone when they
exist.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import cycle

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.customers import services
from tradepost.customers.models import (
    Activity,
    Channel,
    Customer,
    CustomerGroup,
    DealerReport,
    PriceList,
    Ticket,
)
from tradepost.masterdata.models import Branch, Product, SalesRegion

# code, name, channel, city, contact (name, title, mobile), credit limit
CUSTOMERS = [
    (
        "DM001",
        "杭州明达贸易有限公司 Hangzhou Mingda Trading",
        Channel.DEALER,
        "杭州 Hangzhou",
        ("王建国 Wang Jianguo", "总经理 General manager", "13805710001"),
        "500000",
    ),
    (
        "DM002",
        "上海浦江百货有限公司 Shanghai Pujiang Department Store",
        Channel.STORE,
        "上海 Shanghai",
        ("李晓梅 Li Xiaomei", "采购经理 Purchasing manager", "13916520002"),
        "300000",
    ),
    (
        "DM003",
        "南京金陵建材有限公司 Nanjing Jinling Building Materials",
        Channel.PROJECT,
        "南京 Nanjing",
        ("张伟 Zhang Wei", "项目经理 Project manager", "13770810003"),
        "800000",
    ),
    (
        "DM004",
        "苏州东方家居连锁 Suzhou Dongfang Home Chain",
        Channel.FRANCHISE,
        "苏州 Suzhou",
        ("陈静 Chen Jing", "加盟主 Franchisee", "13862110004"),
        "200000",
    ),
    (
        "DM005",
        "宁波海天电器销售有限公司 Ningbo Haitian Appliances",
        Channel.DEALER,
        "宁波 Ningbo",
        ("刘洋 Liu Yang", "销售总监 Sales director", "13957410005"),
        "450000",
    ),
    (
        "DM006",
        "北京京华商贸有限公司 Beijing Jinghua Commerce",
        Channel.DEALER,
        "北京 Beijing",
        ("赵磊 Zhao Lei", "总经理 General manager", "13901010006"),
        "600000",
    ),
    (
        "DM007",
        "天津滨海物资有限公司 Tianjin Binhai Supplies",
        Channel.DIRECT,
        "天津 Tianjin",
        ("孙丽 Sun Li", "采购主管 Purchasing lead", "13602210007"),
        "150000",
    ),
    (
        "DM008",
        "广州珠江实业有限公司 Guangzhou Zhujiang Industrial",
        Channel.DIRECT,
        "广州 Guangzhou",
        ("周敏 Zhou Min", "财务经理 Finance manager", "13802010008"),
        "350000",
    ),
    (
        "DM009",
        "深圳华南电子商城 Shenzhen Huanan Electronics Mall",
        Channel.RETAIL,
        "深圳 Shenzhen",
        ("吴刚 Wu Gang", "店长 Store manager", "13712310009"),
        "80000",
    ),
    (
        "DM010",
        "成都天府百货有限公司 Chengdu Tianfu Department Store",
        Channel.STORE,
        "成都 Chengdu",
        ("郑芳 Zheng Fang", "采购经理 Purchasing manager", "13808010010"),
        "250000",
    ),
    (
        "DM011",
        "重庆山城建设集团 Chongqing Shancheng Construction",
        Channel.PROJECT,
        "重庆 Chongqing",
        ("冯强 Feng Qiang", "物资部长 Materials head", "13983010011"),
        "1000000",
    ),
    (
        "DM012",
        "武汉长江商贸有限公司 Wuhan Changjiang Trading",
        Channel.DEALER,
        "武汉 Wuhan",
        ("何娟 He Juan", "总经理 General manager", "13907110012"),
        "400000",
    ),
    (
        "DM013",
        "西安古城家电有限公司 Xi'an Gucheng Appliances",
        Channel.FRANCHISE,
        "西安 Xi'an",
        ("高峰 Gao Feng", "加盟主 Franchisee", "13909110013"),
        "180000",
    ),
    (
        "DM014",
        "青岛海岸贸易有限公司 Qingdao Haian Trading",
        Channel.DEALER,
        "青岛 Qingdao",
        ("林娜 Lin Na", "销售经理 Sales manager", "13805320014"),
        "320000",
    ),
    (
        "DM015",
        "厦门鹭岛百货 Xiamen Ludao Department Store",
        Channel.STORE,
        "厦门 Xiamen",
        ("黄磊 Huang Lei", "采购 Buyer", "13906010015"),
        "120000",
    ),
    (
        "DM016",
        "长沙湘江实业有限公司 Changsha Xiangjiang Industrial",
        Channel.DIRECT,
        "长沙 Changsha",
        ("罗霞 Luo Xia", "行政经理 Office manager", "13807310016"),
        "90000",
    ),
    (
        "DM017",
        "郑州中原物流有限公司 Zhengzhou Zhongyuan Logistics",
        Channel.DIRECT,
        "郑州 Zhengzhou",
        ("梁军 Liang Jun", "设备主管 Equipment lead", "13703710017"),
        "200000",
    ),
    (
        "DM018",
        "合肥徽商连锁超市 Hefei Huishang Supermarkets",
        Channel.RETAIL,
        "合肥 Hefei",
        ("宋佳 Song Jia", "品类经理 Category manager", "13905510018"),
        "100000",
    ),
    (
        "DM019",
        "济南泉城建材市场 Jinan Quancheng Building Market",
        Channel.DEALER,
        "济南 Jinan",
        ("唐鹏 Tang Peng", "老板 Owner", "13805310019"),
        "280000",
    ),
    (
        "DM020",
        "沈阳北方机电有限公司 Shenyang Beifang Electromechanical",
        Channel.PROJECT,
        "沈阳 Shenyang",
        ("许东 Xu Dong", "项目经理 Project manager", "13904010020"),
        "700000",
    ),
    (
        "DM021",
        "大连港城贸易有限公司 Dalian Gangcheng Trading",
        Channel.DEALER,
        "大连 Dalian",
        ("韩雪 Han Xue", "总经理 General manager", "13804110021"),
        "260000",
    ),
    (
        "DM022",
        "昆明春城家居 Kunming Chuncheng Home",
        Channel.FRANCHISE,
        "昆明 Kunming",
        ("邓超 Deng Chao", "加盟主 Franchisee", "13708710022"),
        "150000",
    ),
    (
        "DM023",
        "南昌赣江商贸 Nanchang Ganjiang Commerce",
        Channel.STORE,
        "南昌 Nanchang",
        ("曹琳 Cao Lin", "店长 Store manager", "13907910023"),
        "110000",
    ),
    (
        "DM024",
        "福州闽江电器城 Fuzhou Minjiang Appliance City",
        Channel.RETAIL,
        "福州 Fuzhou",
        ("彭勇 Peng Yong", "经理 Manager", "13905910024"),
        "90000",
    ),
    (
        "DM025",
        "无锡太湖实业有限公司 Wuxi Taihu Industrial",
        Channel.DIRECT,
        "无锡 Wuxi",
        ("蒋倩 Jiang Qian", "采购经理 Purchasing manager", "13806110025"),
        "240000",
    ),
    (
        "DM026",
        "温州瓯江贸易有限公司 Wenzhou Oujiang Trading",
        Channel.DEALER,
        "温州 Wenzhou",
        ("蔡明 Cai Ming", "总经理 General manager", "13905770026"),
        "380000",
    ),
    (
        "DM027",
        "绍兴兰亭酒店管理 Shaoxing Lanting Hotels",
        Channel.PROJECT,
        "绍兴 Shaoxing",
        ("潘婷 Pan Ting", "工程部经理 Engineering manager", "13705750027"),
        "500000",
    ),
    (
        "DM028",
        "嘉兴南湖百货 Jiaxing Nanhu Department Store",
        Channel.STORE,
        "嘉兴 Jiaxing",
        ("杜鑫 Du Xin", "采购 Buyer", "13805730028"),
        "130000",
    ),
    (
        "DM029",
        "常州龙城电器 Changzhou Longcheng Appliances",
        Channel.FRANCHISE,
        "常州 Changzhou",
        ("钟华 Zhong Hua", "加盟主 Franchisee", "13906110029"),
        "160000",
    ),
    (
        "DM030",
        "扬州运河商贸 Yangzhou Yunhe Commerce",
        Channel.RETAIL,
        "扬州 Yangzhou",
        ("袁莉 Yuan Li", "店长 Store manager", "13705140030"),
        "70000",
    ),
]
GROUPS = [
    ("一级经销商 Tier-1 dealers", "Dealers with volume commitments"),
    ("连锁门店 Chain stores", "Department stores and chains"),
]
TAGS = ["VIP", "华东重点 East China key account", "新客户 New", "战略合作 Strategic"]
RATINGS = [  # reputation, solvency, financial backing, loyalty, personal quality
    (5, 5, 4, 5, 5),
    (4, 4, 4, 3, 4),
    (3, 3, 2, 4, 3),
    (2, 3, 2, 2, 3),
]


def demo_customers() -> list[Customer]:
    """The customers the other apps' demo documents go to: the first twelve active."""
    return list(Customer.objects.filter(is_active=True).order_by("code")[:12])


def _users_with(role: Role) -> list[User]:
    return list(User.objects.filter(groups__name=role.value, is_active=True).order_by("pk"))


def _admin() -> User | None:
    return User.objects.filter(groups__name=Role.SYSTEM_ADMINISTRATOR.value).order_by("pk").first()


@transaction.atomic
def seed_demo(*, actor: User | None = None) -> int:
    """Create the demo customers that are missing, as `actor` (default: the first
    administrator); returns how many were created."""
    admin = actor or _admin()
    if admin is None:
        return 0
    owners = _users_with(Role.SALESPERSON) + _users_with(Role.SALES_MANAGER) or [admin]
    regions = list(SalesRegion.objects.filter(depth__gt=1).order_by("path")) or list(
        SalesRegion.objects.order_by("path")
    )
    branches = list(Branch.objects.filter(depth__gt=1).order_by("path")) or list(
        Branch.objects.order_by("path")
    )
    groups = [
        CustomerGroup.objects.filter(name__iexact=name).first()
        or services.customer_group_create(actor=admin, name=name, description=description)
        for name, description in GROUPS
    ]
    existing = set(Customer.objects.filter(code__startswith="DM").values_list("code", flat=True))
    owner_cycle, region_cycle, branch_cycle = (
        cycle(owners),
        cycle(regions or [None]),
        cycle(branches or [None]),
    )
    created: list[Customer] = []
    for index, (code, name, channel, city, contact, limit) in enumerate(CUSTOMERS):
        owner, region, branch = next(owner_cycle), next(region_cycle), next(branch_cycle)
        if code in existing:
            continue
        group = {Channel.DEALER: groups[0], Channel.STORE: groups[1]}.get(channel)
        customer = services.customer_create(
            actor=admin,
            code=code,
            name=name,
            channel=channel,
            group=group,
            owner=owner,
            region=region,
            branch=branch,
            address=city,
            phone=contact[2],
            tags=[TAGS[index % len(TAGS)]] + (["VIP"] if Decimal(limit) >= 500000 else []),
            credit_limit=Decimal(limit),
            payment_terms_days=60 if channel in (Channel.PROJECT, Channel.DEALER) else 30,
            # Every third customer came through the one before it.
            referred_by=created[-1] if index % 3 == 2 and created else None,
        )
        services.contact_create(
            actor=admin,
            customer=customer,
            name=contact[0],
            title=contact[1],
            mobile=contact[2],
            email=f"{code.lower()}@customers.example.com",
            is_primary=True,
        )
        created.append(customer)
    if created:
        _seed_crm(admin, created)
    return len(created)


def _seed_crm(admin: User, customers: list[Customer]) -> None:
    today = timezone.localdate()
    now = timezone.now()
    products = list(Product.objects.filter(is_active=True).order_by("sku")[:8])
    for index, customer in enumerate(customers):
        if customer.is_reseller:
            scores = dict(
                zip(
                    ("reputation", "solvency", "financial_backing", "loyalty", "personal_quality"),
                    RATINGS[index % len(RATINGS)],
                    strict=True,
                )
            )
            services.credit_rating_create(
                actor=admin, customer=customer, comment="年度评级 Annual rating", **scores
            )
        services.activity_create(
            actor=admin,
            customer=customer,
            owner=customer.owner,
            kind=(Activity.Kind.VISIT, Activity.Kind.CALL, Activity.Kind.TASK)[index % 3],
            subject=(
                "季度拜访 Quarterly visit",
                "回访电话 Follow-up call",
                "寄送样品 Send samples",
            )[index % 3],
            due_at=now + datetime.timedelta(days=(index % 7) - 2),
        )
        if index % 4 == 0:
            services.ticket_create(
                actor=admin,
                customer=customer,
                kind=Ticket.Kind.COMPLAINT if index % 8 == 0 else Ticket.Kind.INQUIRY,
                priority=Ticket.Priority.HIGH if index % 8 == 0 else Ticket.Priority.NORMAL,
                subject="到货破损 Goods damaged on arrival"
                if index % 8 == 0
                else "询价 Price inquiry",
                assignee=customer.owner,
            )
        if customer.channel == Channel.DEALER and index % 2 == 0:
            services.dealer_report_create(
                actor=admin,
                dealer=customer,
                kind=DealerReport.Kind.COMPETITOR,
                subject="竞品降价 Competitor price cut",
                competitor_name="某品牌 Brand X",
                competitor_product="同类产品 Comparable model",
                competitor_price=Decimal("880.00"),
                details="本月降价约 8% / About 8 % cheaper this month.",
            )
    if not products:
        return
    dealer_group = customers[0].group
    if dealer_group is not None and not PriceList.objects.filter(group=dealer_group).exists():
        services.price_list_create(
            actor=admin,
            name="经销商价 Dealer prices",
            group=dealer_group,
            currency=customers[0].currency,
            valid_from=today.replace(month=1, day=1),
            lines=[
                (p, (p.list_price * Decimal("0.85")).quantize(Decimal("0.01"))) for p in products
            ],
        )
    for customer in customers[:3]:
        if customer.currency == products[0].currency:
            services.price_list_create(
                actor=admin,
                name=f"{customer.code} 协议价 Contract prices",
                customer=customer,
                currency=customer.currency,
                valid_from=today - datetime.timedelta(days=30),
                valid_to=today + datetime.timedelta(days=335),
                lines=[
                    (p, (p.list_price * Decimal("0.80")).quantize(Decimal("0.01")))
                    for p in products[:4]
                ],
            )
