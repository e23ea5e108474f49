"""Demo data of chains: the work plan's 15 industrial chains of Pinggu, each with its chain office, and a few
hundred members spread over them, through the chains' use cases (``seed(ctx, today=…)``; safe to run twice:
every step carries a fixed idempotency key).

The egg chain's office is the demo's 蛋鸡产业链链办 and its members are the demo's enterprises (峪口禽业 the chain
leader, its feed, vaccine, packaging and cold-chain suppliers and their own suppliers), whose contracts and
vouchers draw its graph. The other chains' members are registered here, with a few contracts between them so
that every chain's graph has amounts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from lianrong.adapters.db import tables as t
from lianrong.documents import service as documents
from lianrong.kernel.identifiers import make_uscc
from lianrong.parties import service as parties
from lianrong.platform.context import SYSTEM, Context
from lianrong.programme.chains import service as chains

#: the demo's egg-chain office (entrypoints/demo.py registers it; registered here too when it is missing)
EGG_OFFICE = ("11110117000000002", "平谷区蛋鸡鸡蛋产业链链办", "蛋鸡产业链链办")

#: the demo's enterprises in the egg chain: (USCC body, role, tier, note)
EGG_MEMBERS = (
    ("9111011710276549X", "leader", 0, "链主：蛋种鸡与商品蛋"),
    ("91110117MA01LWYD2", "producer", 1, "蛋品加工"),
    ("91110117MA01FEED0", "supplier", 1, "饲料"),
    ("91110117MA01WACC0", "supplier", 1, "疫苗"),
    ("91110117MA01PACK0", "supplier", 1, "蛋品包装"),
    ("91110117MA01CLDL0", "logistics", 1, "冷链运输"),
    ("93110117MA01CQRN0", "supplier", 2, "玉米"),
    ("91110117MA01DPYM0", "supplier", 2, "豆粕"),
    ("91110117MA01REAG0", "supplier", 2, "生物试剂"),
    ("91110117MA01CRTN0", "supplier", 2, "纸箱"),
    ("91110117MA01AGRL0", "supplier", 3, "农资"),
    ("91110117MA01PULP0", "supplier", 3, "纸浆"),
)

# code, name, English name, key chain, the leaders' businesses, then "role:tier:business" of the other members
CHAINS: tuple[tuple[str, str, str, bool, str], ...] = (
    (
        "egg",
        "蛋鸡鸡蛋产业链",
        "Laying hens and eggs",
        True,
        "supplier:1:蛋鸡养殖专业合作社 supplier:1:禽用兽药 supplier:1:蛋鸡笼具设备 distributor:1:鲜蛋批发 distributor:2:蛋品商贸 "
        "brand:1:蛋品品牌运营 logistics:1:禽蛋仓储 producer:1:液蛋加工 supplier:2:预混料 distributor:2:社区生鲜",
    ),
    (
        "pig",
        "生猪产业链",
        "Live pigs",
        True,
        "leader:0:生猪养殖 leader:0:肉类食品 supplier:1:种猪繁育 supplier:1:饲料 supplier:1:兽药 supplier:1:养殖设备 "
        "producer:1:生猪屠宰 producer:2:肉制品加工 distributor:2:冷鲜肉销售 distributor:2:农贸批发 logistics:1:冷链物流 "
        "supplier:2:玉米收储 supplier:2:有机肥 brand:2:肉品品牌 supplier:1:生猪养殖专业合作社 supplier:2:环保设备",
    ),
    (
        "live_commerce",
        "直播电商产业链",
        "Live-stream e-commerce",
        True,
        "leader:0:直播电商基地 supplier:1:网红孵化 supplier:1:直播设备 producer:1:农产品供应链 brand:1:特色农产品品牌 "
        "distributor:1:电商运营 distributor:2:社群团购 logistics:1:快递分拨 logistics:2:电商仓储 supplier:2:包装印刷 "
        "supplier:1:短视频制作 supplier:2:数据营销 distributor:1:跨境电商 supplier:2:摄影棚租赁",
    ),
    (
        "logistics",
        "现代物流产业链",
        "Modern logistics",
        True,
        "leader:0:国际陆港物流 leader:0:供应链管理 logistics:1:冷链物流 logistics:1:仓储服务 logistics:1:城市配送 "
        "logistics:2:货运代理 supplier:1:物流装备 supplier:1:叉车租赁 supplier:2:托盘周转 supplier:1:物流信息 "
        "logistics:2:多式联运 supplier:2:汽车维修 supplier:2:新能源物流车 distributor:1:报关服务 logistics:2:危险品运输",
    ),
    (
        "info_services",
        "信息服务产业链",
        "Information services",
        False,
        "leader:0:信息技术 supplier:1:软件开发 supplier:1:系统集成 supplier:1:数据中心运维 supplier:2:网络工程 "
        "supplier:2:信息安全 distributor:1:软件销售 supplier:2:技术咨询 producer:1:智能终端 supplier:2:云计算服务 "
        "distributor:2:电子设备销售 supplier:1:呼叫中心",
    ),
    (
        "low_altitude",
        "低空经济产业链",
        "Low-altitude economy",
        True,
        "leader:0:通用航空 leader:0:无人机科技 producer:1:无人机整机 supplier:1:飞控系统 supplier:1:航空复合材料 "
        "supplier:2:电池电机 supplier:2:精密零部件 supplier:1:航空测绘 distributor:1:植保飞防服务 logistics:1:低空物流 "
        "supplier:2:导航通信 supplier:1:飞行培训 brand:2:航空文旅 supplier:2:检测认证",
    ),
    (
        "agri_tech",
        "农业科技与种业产业链",
        "Agricultural science, technology and seeds",
        True,
        "leader:0:农业科技 leader:0:种业 supplier:1:种苗繁育 supplier:1:智慧农业设备 supplier:1:农业物联网 "
        "supplier:2:生物肥料 supplier:2:植保药剂 producer:1:设施农业 producer:2:蔬菜种植专业合作社 distributor:1:种子经销 "
        "distributor:2:农资连锁 supplier:1:农业检测 supplier:2:温室工程 logistics:2:农产品冷库 supplier:1:农业技术服务",
    ),
    (
        "peach",
        "平谷大桃产业链",
        "Pinggu peaches",
        True,
        "leader:0:大桃产业 producer:1:大桃种植专业合作社 producer:1:桃园 producer:1:林果种植专业合作社 supplier:1:果袋 "
        "supplier:1:有机肥 supplier:2:果园农机 producer:2:桃汁饮品 producer:2:桃木工艺品 distributor:1:鲜果批发 "
        "distributor:1:果品电商 brand:1:平谷大桃品牌运营 logistics:1:果品冷链 supplier:2:包装礼盒 distributor:2:果品超市 "
        "producer:1:桃花观光园",
    ),
    (
        "tourism",
        "文旅休闲产业链",
        "Culture, tourism and leisure",
        False,
        "leader:0:旅游发展 leader:0:金海湖度假 supplier:1:民宿 supplier:1:乡村酒店 supplier:1:餐饮管理 supplier:2:景区运营 "
        "distributor:1:旅行社 distributor:2:票务代理 brand:1:文化传媒 supplier:2:演艺 supplier:2:户外运动 logistics:2:旅游客运 "
        "supplier:1:研学教育 producer:2:文创产品",
    ),
    (
        "smart_manufacturing",
        "智能制造产业链",
        "Smart manufacturing",
        False,
        "leader:0:智能装备 producer:1:工业机器人 supplier:1:精密机械 supplier:1:伺服电机 supplier:2:钣金加工 supplier:2:模具 "
        "supplier:1:自动化控制 supplier:2:传感器 distributor:1:机电设备销售 supplier:2:工业软件 logistics:2:工业品物流 "
        "supplier:2:表面处理 supplier:1:检测设备",
    ),
    (
        "food_processing",
        "食品加工产业链",
        "Food processing",
        False,
        "leader:0:食品 leader:0:饮料 producer:1:粮油加工 producer:1:烘焙食品 supplier:1:食品添加剂 supplier:1:食品包装 "
        "supplier:2:果蔬原料 supplier:2:面粉 distributor:1:食品批发 distributor:2:商超配送 brand:1:休闲食品品牌 logistics:1:食品冷链 "
        "supplier:2:食品检测 producer:2:调味品",
    ),
    (
        "health",
        "医药健康产业链",
        "Medicine and health",
        False,
        "leader:0:生物医药 producer:1:中药饮片 producer:1:医疗器械 supplier:1:医药原料 supplier:1:药用包材 supplier:2:中药材种植专业合作社 "
        "distributor:1:医药批发 distributor:2:连锁药房 logistics:1:医药冷链 supplier:2:检验检测 brand:2:健康食品 supplier:2:康养服务",
    ),
    (
        "new_energy",
        "新能源产业链",
        "New energy",
        False,
        "leader:0:新能源 producer:1:光伏组件 producer:1:储能系统 supplier:1:逆变器 supplier:2:支架 supplier:2:线缆 "
        "supplier:1:电力工程 distributor:1:光伏销售 supplier:2:充电桩 supplier:1:能源管理 logistics:2:设备运输 supplier:2:电池回收",
    ),
    (
        "digital_economy",
        "数字经济产业链",
        "Digital economy",
        False,
        "leader:0:数字科技 supplier:1:大数据 supplier:1:人工智能 supplier:1:区块链 supplier:2:算力服务 supplier:2:数据标注 "
        "distributor:1:数字营销 producer:1:智能硬件 supplier:2:互联网服务 brand:2:数字文创 supplier:1:工业互联网",
    ),
    (
        "trade",
        "商贸流通产业链",
        "Trade and distribution",
        False,
        "leader:0:商贸 leader:0:农产品批发市场 distributor:1:百货 distributor:1:连锁超市 distributor:1:农产品批发 "
        "distributor:2:便利店 supplier:1:日用品 supplier:1:粮油 supplier:2:蔬菜种植专业合作社 logistics:1:商贸物流 "
        "logistics:2:城乡配送 brand:1:自有品牌运营 supplier:2:包装材料 distributor:2:社区团购",
    ),
)

PLACES = (
    "平谷", "峪口", "马坊", "金海湖", "大华山", "刘家店", "山东庄", "王辛庄", "夏各庄", "东高村", "南独乐河", "镇罗营",
    "熊儿寨", "黄松峪", "马昌营", "大兴庄", "兴谷", "滨河", "渔阳", "谷丰", "泃河", "丫髻山", "京东", "绿谷",
)  # fmt: skip

#: the office's USCC body: 111101170000 + three digits (egg keeps the demo's own office)
_OFFICE = "11110117000001{:03d}"
#: a member's USCC body: 91110117MAC + chain number + member number
_MEMBER = "91110117MAC{:02d}{:04d}"


def _key(name: str) -> str:
    return f"demo:v1:chains:{name}"


def _party_id(ctx: Context, uscc: str) -> str | None:
    with ctx.uow(readonly=True) as uow:
        return uow.conn.execute(select(t.party.c.id).where(t.party.c.uscc == uscc)).scalar()


def _name(word: str, place: str) -> tuple[str, str]:
    if word.endswith("合作社"):
        return f"平谷区{place}{word}", f"{place}{word.removesuffix('专业合作社')}社"
    return f"北京{place}{word}有限公司", f"{place}{word}"


def _office(ctx: Context, i: int, code: str, name: str) -> str:
    if code == "egg":
        body, full, short = EGG_OFFICE
    else:
        body, full, short = _OFFICE.format(i), f"平谷区{name}链办", f"{name.removesuffix('产业链')}链办"
    uscc = make_uscc(body)
    found = _party_id(ctx, uscc)
    if found:
        return found
    return parties.register_party(
        ctx, kind="chain_office", uscc=uscc, name=full, short_name=short, idempotency_key=_key(f"office:{code}")
    ).id


def seed(ctx: Context, *, today: dt.date) -> dict[str, Any]:
    """Seed the 15 chains, their offices and members; returns the chains' ids by code and the members' count."""
    ids: dict[str, str] = {}
    members = 0
    joined = today - dt.timedelta(days=120)
    shared: dict[str, str] = {}  # the logistics chain's first carrier joins other chains too
    for i, (code, name, name_en, key_chain, spec) in enumerate(CHAINS, start=1):
        office = _office(ctx, i, code, name)
        chain = chains.create_chain(
            ctx,
            actor=SYSTEM,
            code=code,
            name=name,
            name_en=name_en,
            office=office,
            key_chain=key_chain,
            position=i,
            idempotency_key=_key(f"chain:{code}"),
        ).id
        ids[code] = chain
        entries: list[tuple[str, str, int, str]] = []  # party, role, tier, note
        if code == "egg":
            for body, role, tier, note in EGG_MEMBERS:
                pid = _party_id(ctx, make_uscc(body))
                if pid:
                    entries.append((pid, role, tier, note))
        items = spec.split()
        # every other business (not a leader) a second time, at another place: two feed mills, two carriers, …
        items += [x for n, x in enumerate(items) if n % 2 == 0 and not x.startswith("leader")]
        for n, item in enumerate(items, start=1):
            role, tier, word = item.split(":")
            full, short = _name(word, PLACES[(i * 7 + n * 5) % len(PLACES)])
            uscc = make_uscc(_MEMBER.format(i, n))
            pid = (
                _party_id(ctx, uscc)
                or parties.register_party(
                    ctx,
                    kind="enterprise",
                    uscc=uscc,
                    name=full,
                    short_name=short,
                    idempotency_key=_key(f"ent:{code}:{n}"),
                ).id
            )
            entries.append((pid, role, int(tier), word))
            if code == "logistics" and role == "logistics" and not shared:
                shared[pid] = word
        if code in ("food_processing", "health", "trade"):  # the logistics chain's cold chain serves these too
            entries += [
                (pid, "logistics", 1, "共享物流服务商")
                for pid in list(shared)[:1]
                if pid not in {e[0] for e in entries}
            ]
        for pid, role, tier, note in entries:
            chains.add_member(
                ctx,
                actor=SYSTEM,
                chain=chain,
                party=pid,
                role=role,
                tier=tier,
                joined_on=joined + dt.timedelta(days=len(note) % 30),
                note=note,
                idempotency_key=_key(f"member:{code}:{pid}"),
            )
        members += len(entries)
        if code != "egg":
            _contracts(ctx, code, entries, today)
    return {"chains": ids, "members": members}


def _contracts(ctx: Context, code: str, entries: list[tuple[str, str, int, str]], today: dt.date) -> None:
    """A contract from each tier-1 member to the chain's first leader, and from each tier-2 member to a tier-1
    member: the chain's graph gets its amounts (recorded by the system: confirmed by both sides)."""
    leaders = [e[0] for e in entries if e[2] == 0]
    tier1 = [e[0] for e in entries if e[2] == 1]
    if not leaders or not tier1:
        return
    pairs = [(leaders[n % len(leaders)], seller) for n, seller in enumerate(tier1)]
    pairs += [(tier1[n % len(tier1)], e[0]) for n, e in enumerate(x for x in entries if x[2] == 2)]
    for n, (buyer, seller) in enumerate(pairs, start=1):
        if buyer == seller:
            continue
        documents.add_contract(
            ctx,
            actor=SYSTEM,
            buyer=buyer,
            seller=seller,
            number=f"HT-{code.upper()}-2026-{n:03d}",
            amount_fen=(37 + 53 * n % 90) * 10_000_00,
            signed_on=today - dt.timedelta(days=90 - n),
            due_on=today + dt.timedelta(days=90 + n),
            non_cash_agreed=True,
            idempotency_key=_key(f"contract:{code}:{n}"),
        )
