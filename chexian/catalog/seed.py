"""The coverage catalog as it stands today, as plain data (DOMAIN.md §1–§2, SPEC §3.2).

This module is the reference that people read and edit; the database is filled
by migrations. ``migrations/0002_seed_catalog.py`` holds a frozen copy of this
data (so editing this file never changes an applied migration), and
``tests/test_seed.py`` checks that the migrated database equals this file: a
change here needs a new data migration that makes it (update the row, or end
one with ``effective_until`` and add its successor — the catalog is data with
effective dates, never code).

Values are plain strings (the ``choices`` values) so the data can be copied
into a migration as it is. Limits are decimal strings in yuan, rates in percent.
"""

from __future__ import annotations

from chexian.catalog.choices import ClauseFamily, CoverageKind, LimitKind, OwnerProfile, ProtectionLevel

CTPL_FROM = "2020-09-19"  # 2020 comprehensive reform: new CTPL limits and the 2020 model clauses
COMMERCIAL_FROM = "2020-09-19"
NEV_FROM = "2021-12-27"  # 新能源汽车商业保险专属条款 apply to every new and renewed NEV policy from this day

# 三者险 ¥100k–¥10m; the tiers are the industry's usual ones [DOMAIN: tiers U] — edit as data.
THIRD_PARTY_TIERS = [
    "100000", "150000", "200000", "300000", "500000",
    "1000000", "1500000", "2000000", "3000000", "5000000", "10000000",
]
SCRATCH_TIERS = ["2000", "5000", "10000", "20000"]
DEDUCTIBLE_RATES = ["5", "10", "15", "20"]

_SERVICE_CLAUSE = (
    "增值服务特约条款是在保险合同之内为客户增加服务的合法方式：门店想送给客户的救援、检测、代驾、送检等服务，"
    "应写入保单的增值服务特约条款，不得在合同外赠送服务、礼品或返利（保险法第一百三十一条）。"
)


def _coverage(code, name, family, kind, *, limit_kind=LimitKind.NONE, limit_choices=(), requires=None,
              effective_from, sort_order, description):
    return {
        "code": code,
        "name": name,
        "family": str(family),
        "kind": str(kind),
        "limit_kind": str(limit_kind),
        "limit_choices": list(limit_choices),
        "requires": requires,
        "effective_from": effective_from,
        "effective_until": None,
        "sort_order": sort_order,
        "description": description,
    }


# ---------------------------------------------------------------- 交强险
CTPL = [
    _coverage(
        "ctpl", "交强险", ClauseFamily.CTPL, CoverageKind.MAIN,
        effective_from=CTPL_FROM, sort_order=10,
        description=(
            "机动车交通事故责任强制保险，依《机动车交通事故责任强制保险条例》法定投保；每车只能有一份有效交强险，"
            "保险期间一年（境外机动车临时入境、临时上道路行驶、距报废期不足一年、监管规定的其他情形可投保短期）。\n"
            "责任限额（2020-09-19起，法定，不可选择）：\n"
            "有责：死亡伤残 180,000 元；医疗费用 18,000 元；财产损失 2,000 元；合计 200,000 元。\n"
            "无责：死亡伤残 18,000 元；医疗费用 1,800 元；财产损失 100 元；合计 19,900 元。\n"
            "赔偿顺序先交强后商业：超过交强险限额的部分由商业三者险按合同赔偿。车船税随交强险代收。"
        ),
    ),
]


# ---------------------------------------------------------------- 2020 commercial model clauses
def _commercial_set(prefix: str, family: str, effective_from: str, *, nev: bool) -> list[dict]:
    """Main coverages, add-ons and services of one commercial clause family.

    The 2021 NEV clauses repeat the 2020 structure (three mains, the family-car
    add-ons, the value-added service clause) under their own names, minus the
    engine-flooding exclusion (no engine) and plus the three NEV add-ons.
    """
    c = prefix
    damage, third = f"{c}vehicle_damage", f"{c}third_party"
    items = []
    if nev:
        items.append(_coverage(
            damage, "新能源车损险", family, CoverageKind.MAIN, effective_from=effective_from, sort_order=10,
            description=(
                "新能源汽车损失保险：被保险新能源汽车在行驶、停放、充电及作业过程中，因自然灾害、意外事故（含起火燃烧）"
                "造成车身，电池及储能系统、电机及驱动系统、其他控制系统（电控）等“三电”系统，以及其他出厂设备的直接损失。"
                "与2020年车损险一样已包含盗抢、玻璃单独破碎、不计免赔，以及“无法找到第三方”的情形。"
                "电池衰减不属于保险责任；充电时外部电网故障造成的损失不在主险内，可附加外部电网故障损失险。"
                "保险金额按投保时车辆的实际价值（新车购置价减折旧）确定，由保险公司核定，报价时按保险公司返回的金额记录。"
            ),
        ))
        items.append(_coverage(
            third, "新能源三者险", family, CoverageKind.MAIN, limit_kind=LimitKind.TIER,
            limit_choices=THIRD_PARTY_TIERS, effective_from=effective_from, sort_order=20,
            description=(
                "新能源汽车第三者责任保险：被保险新能源汽车（含充电过程中）造成第三者人身伤亡或财产直接损失，"
                "依法应由被保险人承担、超过交强险限额的部分。责任限额10万元至1000万元，档次与2020年三者险相同。"
            ),
        ))
        seat_names = ("新能源车上人员责任险（司机）", "新能源车上人员责任险（乘客）")
    else:
        items.append(_coverage(
            damage, "车损险", family, CoverageKind.MAIN, effective_from=effective_from, sort_order=10,
            description=(
                "机动车损失保险（2020年商业车险综合改革后）：碰撞、倾覆、火灾、爆炸、自然灾害等造成的车辆直接损失，"
                "并已包含全车盗抢（盗抢）、玻璃单独破碎（玻璃）、自燃、发动机涉水损坏（发动机涉水）、"
                "不计免赔（取消事故责任免赔率和绝对免赔额），以及应由第三方负责赔偿但无法找到第三方的情形。"
                "原来的盗抢险、玻璃险、自燃险、涉水险和不计免赔险不再单独销售。"
                "保险金额按投保时车辆的实际价值（新车购置价减折旧）确定，由保险公司核定，报价时按保险公司返回的金额记录。"
            ),
        ))
        items.append(_coverage(
            third, "三者险", family, CoverageKind.MAIN, limit_kind=LimitKind.TIER,
            limit_choices=THIRD_PARTY_TIERS, effective_from=effective_from, sort_order=20,
            description=(
                "机动车第三者责任保险：被保险机动车造成第三者人身伤亡或财产直接损失，依法应由被保险人承担、"
                "超过交强险限额的部分。2020年改革后责任限额为10万元至1000万元，"
                "常见档次10/15/20/30/50/100/150/200/300/500/1000万元（档次可按保险公司实际提供的调整）。"
            ),
        ))
        seat_names = ("车上人员责任险（司机）", "车上人员责任险（乘客）")
    items += [
        _coverage(
            f"{c}onboard_driver", seat_names[0], family, CoverageKind.MAIN, limit_kind=LimitKind.PER_SEAT,
            effective_from=effective_from, sort_order=30,
            description="车上人员责任保险的驾驶人部分：驾驶座人员的人身伤亡，按每座责任限额投保（常见1万–5万元）。",
        ),
        _coverage(
            f"{c}onboard_passenger", seat_names[1], family, CoverageKind.MAIN, limit_kind=LimitKind.PER_SEAT,
            effective_from=effective_from, sort_order=40,
            description="车上人员责任保险的乘客部分：按每座责任限额投保，座位数为核定载客数减去驾驶座。",
        ),
        # Attaches to any of the three mains, so no single ``requires``: the plan
        # check then asks for at least one main coverage of the same clauses.
        _coverage(
            f"{c}absolute_deductible", "绝对免赔率特约", family, CoverageKind.ADDON, limit_kind=LimitKind.PERCENT,
            limit_choices=DEDUCTIBLE_RATES, effective_from=effective_from, sort_order=100,
            description=(
                "附加绝对免赔率特约条款：每次事故按约定的绝对免赔率（5%、10%、15%或20%）扣减赔款，以降低保费。"
                "可附加于本条款体系的任一主险（车损险、三者险或车上人员责任险），方案中须至少有一项主险。"
            ),
        ),
        _coverage(
            f"{c}wheel", "车轮单独损失险", family, CoverageKind.ADDON, limit_kind=LimitKind.AMOUNT,
            requires=damage, effective_from=effective_from, sort_order=110,
            description="车轮（含轮胎、轮毂、轮毂罩）单独的直接损失；保险金额协商确定。须先投保车损险。",
        ),
        _coverage(
            f"{c}new_equipment", "新增加设备损失险", family, CoverageKind.ADDON, limit_kind=LimitKind.AMOUNT,
            requires=damage, effective_from=effective_from, sort_order=120,
            description="车辆出厂原有设备以外另行加装的设备的直接损失；保险金额按加装设备的实际价值确定。须先投保车损险。",
        ),
        _coverage(
            f"{c}scratch", "车身划痕损失险", family, CoverageKind.ADDON, limit_kind=LimitKind.TIER,
            limit_choices=SCRATCH_TIERS, requires=damage, effective_from=effective_from, sort_order=130,
            description="无明显碰撞痕迹的车身表面油漆单独划伤；保险金额2,000/5,000/10,000/20,000元。须先投保车损险。",
        ),
        _coverage(
            f"{c}repair_compensation", "修理期间费用补偿险", family, CoverageKind.ADDON,
            limit_kind=LimitKind.PER_DAY, requires=damage, effective_from=effective_from, sort_order=140,
            description="车损险责任范围内的事故造成车辆停驶修理期间，按约定的日补偿金额补偿，补偿天数最多90天。须先投保车损险。",
        ),
    ]
    if not nev:
        items.append(_coverage(
            "engine_water_exclusion", "发动机进水损坏除外特约", family, CoverageKind.ADDON,
            requires=damage, effective_from=effective_from, sort_order=150,
            description=(
                "除外特约：约定车损险不赔发动机进水导致的发动机损坏，以换取较低保费；适合很少涉水的地区和车主。"
                "投保后发动机涉水损失不再赔偿，出单前须向客户明确说明。新能源专属条款无此条款（没有发动机）。"
            ),
        ))
    items += [
        _coverage(
            f"{c}onboard_cargo", "车上货物责任险", family, CoverageKind.ADDON, limit_kind=LimitKind.AMOUNT,
            requires=third, effective_from=effective_from, sort_order=160,
            description="营业货车（含挂车）所载货物的直接损毁，依法应由被保险人承担的赔偿责任。须先投保三者险。",
        ),
        _coverage(
            f"{c}mental_damage", "精神损害抚慰金责任险", family, CoverageKind.ADDON, limit_kind=LimitKind.AMOUNT,
            requires=third, effective_from=effective_from, sort_order=170,
            description=(
                "第三者或车上人员人身伤亡，依法应由被保险人支付的精神损害抚慰金。条款允许附加于三者险或车上人员责任险，"
                "本目录按最常见的做法要求三者险。"
            ),
        ),
        _coverage(
            f"{c}holiday_double", "法定节假日限额翻倍险", family, CoverageKind.ADDON,
            requires=third, effective_from=effective_from, sort_order=180,
            description="家庭自用汽车在法定节假日期间使用时，三者险责任限额在保单载明的基础上增加一倍。仅限家庭自用汽车；须先投保三者险。",
        ),
        _coverage(
            f"{c}medical_outside_si", "医保外医疗费用责任险", family, CoverageKind.ADDON,
            limit_kind=LimitKind.AMOUNT, requires=third, effective_from=effective_from, sort_order=190,
            description=(
                "主险赔偿中超出国家基本医疗保险标准、依法应由被保险人承担的合理医疗费用，按约定限额赔偿。"
                "条款允许附加于三者险或车上人员责任险，本目录按最常见的做法要求三者险。"
            ),
        ),
    ]
    if nev:
        items += [
            _coverage(
                "nev_grid_failure", "外部电网故障损失险", family, CoverageKind.ADDON,
                requires=damage, effective_from=effective_from, sort_order=200,
                description=(
                    "新能源专属附加险：充电期间因外部电网故障（输变电故障、电流电压异常等）造成被保险新能源汽车的直接损失，"
                    "在新能源车损险保险金额内赔偿。须先投保新能源车损险。"
                ),
            ),
            _coverage(
                "nev_home_charger_damage", "自用充电桩损失保险", family, CoverageKind.ADDON,
                limit_kind=LimitKind.AMOUNT, requires=damage, effective_from=effective_from, sort_order=210,
                description=(
                    "新能源专属附加险：被保险人在住所或固定停车位按规范安装的自用充电桩，因自然灾害、意外事故或被盗造成的损失。"
                    "保险金额协商确定。须先投保新能源车损险。"
                ),
            ),
            _coverage(
                "nev_home_charger_liability", "自用充电桩责任保险", family, CoverageKind.ADDON,
                limit_kind=LimitKind.AMOUNT, requires=third, effective_from=effective_from, sort_order=220,
                description=(
                    "新能源专属附加险：自用充电桩因质量缺陷、安装不当等造成第三者人身伤亡或财产损失，依法应由被保险人承担的"
                    "赔偿责任。须先投保新能源三者险。"
                ),
            ),
        ]
    clause = "新能源汽车增值服务特约条款" if nev else "机动车增值服务特约条款"
    services = [
        ("service_roadside_rescue", "道路救援服务特约",
         "车辆故障或事故时提供拖车、搭电、换胎、送油（新能源车为应急充电）等现场救援"),
        ("service_safety_check", "车辆安全检测特约", "为车辆提供安全检测（制动、轮胎、灯光、电路等）"),
        ("service_designated_driver", "代为驾驶服务特约",
         "被保险人或其允许的驾驶人因饮酒等原因无法驾驶时，提供短途代驾"),
        ("service_inspection_run", "代为送检服务特约", "代替车主把车辆送到检测机构进行年检（安全技术检验）"),
    ]
    for i, (code, name, what) in enumerate(services):
        items.append(_coverage(
            f"{c}{code}", name, family, CoverageKind.SERVICE, effective_from=effective_from, sort_order=300 + 10 * i,
            description=f"{clause}的一项服务：{what}；服务次数在保单中约定，须至少投保一项本条款体系的主险。{_SERVICE_CLAUSE}",
        ))
    return items


COMMERCIAL_2020 = _commercial_set("", ClauseFamily.COMMERCIAL_2020, COMMERCIAL_FROM, nev=False)
NEV_2021 = _commercial_set("nev_", ClauseFamily.NEV_2021, NEV_FROM, nev=True)

NON_MOTOR = [
    _coverage(
        "driver_passenger_accident", "驾乘人员意外险", ClauseFamily.NON_MOTOR, CoverageKind.MAIN,
        limit_kind=LimitKind.AMOUNT, effective_from=COMMERCIAL_FROM, sort_order=10,
        description=(
            "非车险：驾乘人员意外伤害保险，按每人保额投保，使用各保险公司自己的条款。与车上人员责任险不同，"
            "赔付不以被保险人依法承担责任为前提。燃油车和新能源车都可投保，单独出具保单。"
        ),
    ),
]

COVERAGES: list[dict] = CTPL + COMMERCIAL_2020 + NEV_2021 + NON_MOTOR


# ---------------------------------------------------------------- recommendation templates
# The seed's five protection levels and three owner profiles (seed-002 §3), in
# today's coverages. Templates list commercial coverages only: 交强险 is in every
# plan by law and is issued as its own policy. Items name the 2020 codes; the NEV
# template takes the ``nev_`` equivalent of each. A limit of None means the
# coverage has none to choose (车损险: the vehicle's actual value, set by the insurer).
_CTPL_NOTE = "交强险是法定必保险种，每个方案都包含，单独出具保单，不列入本模板的商业险明细。"
_NEV_NOTE = (
    "新能源汽车自2021-12-27起只能按《新能源汽车商业保险专属条款》承保，本模板使用专属条款的对应险种；"
    "新能源车损险另外承保电池、电机、电控等“三电”系统，以及行驶、停放、充电中的起火燃烧损失（电池衰减除外）。"
)

PLANS = [
    {
        "key": ProtectionLevel.MINIMUM, "axis": "level", "name": "最低保障方案", "sort_order": 10,
        "items": [],
        "note": (
            "种子（2019）的最低保障方案＝只投保交强险，适用于急于上牌或通过年检的客户。今天的对应方案相同：只有交强险"
            "（法定必保，单独出单），因此本模板的商业险明细为空——这是有意为之，不是遗漏。"
            "需向客户说明：交强险有责赔偿合计只有200,000元（死亡伤残180,000、医疗18,000、财产2,000元），"
            "自己车辆的损失完全自担；2020年改革后三者险保费明显下降，建议至少加保三者险（见次低保障方案）。"
        ),
        "nev_note": "新能源车只投交强险时，电池等“三电”系统的损失同样没有任何保障。",
    },
    {
        "key": ProtectionLevel.LOW, "axis": "level", "name": "次低保障方案", "sort_order": 20,
        "items": [("third_party", "1000000")],
        "note": (
            "种子的次低保障＝交强险＋第三者责任险，适用于对保费敏感的老司机。今天对应交强险＋2020年条款的三者险。"
            "种子当年三者险只有5万–100万元八档；改革后限额为10万–1000万元，提高限额的增量保费很低，"
            "而人身伤亡赔偿标准逐年上升，所以本模板默认100万元（客户愿意可提高到150万、200万元）。"
            "自己车辆的损失仍由客户自担。"
        ),
        "nev_note": "新能源三者险的限额档次与2020年三者险相同。",
    },
    {
        "key": ProtectionLevel.BASIC, "axis": "level", "name": "基本保障方案", "sort_order": 30,
        "items": [("vehicle_damage", None), ("third_party", "1000000")],
        "note": (
            "种子的基本保障＝车损险＋第三者责任险＋交强险，不含附加险，并说缺点是“最好加入不计免赔特约险”。"
            "2020年改革后不计免赔已并入车损险，盗抢、玻璃、自燃、发动机涉水也都包含在车损险内，"
            "所以今天的基本保障已经覆盖了种子当年要额外付费的部分，无需再加。三者险默认100万元。"
        ),
        "nev_note": "",
    },
    {
        "key": ProtectionLevel.ECONOMY, "axis": "level", "name": "经济保障方案", "sort_order": 40,
        "items": [("vehicle_damage", None), ("third_party", "2000000"), ("onboard_driver", "10000")],
        "note": (
            "种子的经济保障＝车损险＋三者险＋不计免赔特约险＋玻璃单独破碎险＋全车盗抢险＋交强险。"
            "种子中的“盗抢险、玻璃险、不计免赔”已并入2020年改革后的车损险，无需单独投保，"
            "按字面对应会与基本保障完全相同。为保留种子“性价比最高”的定位，本模板把三者险提高到200万元"
            "（改革后提高限额的增量保费很低），并按种子话术中“对车上人员责任险提出专业建议”加入司机座位10,000元。"
        ),
        "nev_note": "",
    },
    {
        "key": ProtectionLevel.FULL, "axis": "level", "name": "完全保障方案", "sort_order": 50,
        "items": [
            ("vehicle_damage", None), ("third_party", "3000000"), ("onboard_driver", "50000"),
            ("onboard_passenger", "20000"), ("scratch", "5000"), ("medical_outside_si", "20000"),
            ("holiday_double", None), ("service_roadside_rescue", None),
        ],
        "nev_extra": [("nev_grid_failure", None), ("nev_home_charger_damage", "5000"),
                      ("nev_home_charger_liability", "50000")],
        "note": (
            "种子的完全保障＝车损险＋三者险＋车上责任险＋玻璃单独破碎险＋不计免赔险＋全车盗抢险＋车身划痕险＋"
            "车辆自燃险＋交强险。今天玻璃、不计免赔、盗抢、自燃已并入车损险；保留车上人员责任险（司机50,000元、"
            "乘客每座20,000元）和车身划痕损失险（5,000元档），三者险取300万元。另加改革后新设的医保外医疗费用责任险"
            "（伤者医保外的用药旧条款不赔）和法定节假日限额翻倍险（仅限家庭自用汽车，其他使用性质请删除）。"
            "种子说“在4S店内续保全险，赠送价值300元的全国汽车道路救援服务”：今天门店赠送的服务只能写进保单的"
            "增值服务特约条款，所以本方案含道路救援服务特约，不在合同外赠送。"
        ),
        "nev_note": (
            "新能源版本另加三个专属附加险：外部电网故障损失险、自用充电桩损失保险（5,000元）和自用充电桩责任保险"
            "（50,000元）；客户没有自用充电桩时删除后两项。"
        ),
    },
    {
        "key": OwnerProfile.NEW_DRIVER_NEW_CAR, "axis": "profile", "name": "新手开新车", "sort_order": 60,
        "items": [
            ("vehicle_damage", None), ("third_party", "3000000"), ("onboard_driver", "50000"),
            ("onboard_passenger", "20000"), ("scratch", "5000"),
        ],
        "note": (
            "种子组合：车损险＋三者险＋全车盗抢险＋玻璃单独破碎险＋不计免赔特约险＋车上人员责任险＋划痕险"
            "（新车自燃概率小，可不保自燃险）。今天盗抢、玻璃、不计免赔和自燃都已包含在车损险内，无需也无法单独取舍；"
            "保留车上人员责任险（司机50,000元、乘客每座20,000元）和车身划痕损失险（5,000元，新手新车刮蹭多）。"
            "种子强调“三者责任险最好投保较高的赔偿限额”，改革后最高可到1000万元，本模板取300万元。"
        ),
        "nev_note": "有自用充电桩的新车主可加自用充电桩损失保险和责任保险。",
    },
    {
        "key": OwnerProfile.NEW_DRIVER_OLD_CAR, "axis": "profile", "name": "新手开老车", "sort_order": 70,
        "items": [
            ("vehicle_damage", None), ("third_party", "2000000"), ("onboard_driver", "20000"),
            ("onboard_passenger", "10000"),
        ],
        "note": (
            "种子组合：车损险＋三者险＋自燃损失险＋不计免赔特约险＋车上人员责任险；老车不推荐盗抢险、玻璃单独破碎险"
            "和新增加设备损失险，而老车自燃可能性大，“投保自燃损失险是最好的选择”。今天自燃和不计免赔已并入车损险，"
            "正好满足种子的建议；种子建议不保的盗抢、玻璃也在车损险内，无法单独剔除，但不再额外收费。"
            "不加新增加设备损失险。新手驾驶，三者险取200万元；车上人员司机20,000元、乘客每座10,000元。"
        ),
        "nev_note": "老旧新能源车电池老化引起的起火燃烧由新能源车损险承保，但电池自然衰减不赔。",
    },
    {
        "key": OwnerProfile.EXPERIENCED_OLD_CAR, "axis": "profile", "name": "老手开老车", "sort_order": 80,
        "items": [
            ("vehicle_damage", None), ("third_party", "1000000"), ("onboard_driver", "10000"),
            ("onboard_passenger", "10000"),
        ],
        "note": (
            "种子组合：车损险＋三者险＋自燃损失险＋车上人员责任险，并说“第三者责任险是多数地方政府规定的强制投保险别”"
            "——那是交强险实施（2006年）以前的说法：今天法定强制的是交强险，三者险是商业险，但仍强烈建议投保。"
            "自燃已含在今天的车损险中。老手出险少，三者险取100万元，车上人员司机、乘客各10,000元/座。"
            "客户想进一步降低保费时，可加绝对免赔率特约（5%–20%），燃油车在很少涉水的地区还可加发动机进水损坏除外特约。"
        ),
        "nev_note": "新能源专属条款没有发动机进水损坏除外特约（没有发动机）。",
    },
]

_FAMILIES = [
    (ClauseFamily.COMMERCIAL_2020, "", "（2020商业条款）"),
    (ClauseFamily.NEV_2021, "nev_", "（新能源专属条款）"),
]


def _template(plan: dict, family: str, prefix: str, suffix: str) -> dict:
    nev = family == ClauseFamily.NEV_2021
    items = [(f"{prefix}{code}", limit) for code, limit in plan["items"]]
    if nev:
        items += plan.get("nev_extra", [])
    # One paragraph each: the mapping, the NEV clauses where they apply, 交强险.
    paragraphs = [plan["note"]]
    if nev:
        paragraphs.append(f"{_NEV_NOTE}{plan['nev_note']}")
    paragraphs.append(_CTPL_NOTE)
    return {
        "code": f"{family}_{plan['key']}",
        "name": f"{plan['name']}{suffix}",
        "family": str(family),
        "level": str(plan["key"]) if plan["axis"] == "level" else "",
        "profile": str(plan["key"]) if plan["axis"] == "profile" else "",
        "sort_order": plan["sort_order"],
        "note": "\n".join(paragraphs),
        "items": [list(item) for item in items],
    }


TEMPLATES: list[dict] = [
    _template(plan, family, prefix, suffix) for family, prefix, suffix in _FAMILIES for plan in PLANS
]
