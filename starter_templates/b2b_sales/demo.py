"""Demo data of the B2B sales pack: a sales org in three regions, a presales manager, and leads from
every channel over the last 60 days with behaviour data (so the two-part score and the Top 50 have
something to rank), stage moves through 已电话初筛 / 已预约演示 (the presales manager is told), and a
few cross-region proposals waiting for the managers' approval. Seeded; ``ctx.scale`` sizes it."""
from __future__ import annotations

import datetime as dt
import random

FULL = {"leads": 1200}
REGIONS = [("b2b_east", "华东", ["杭州", "上海", "苏州", "南京", "宁波"]),
           ("b2b_south", "华南", ["深圳", "广州", "东莞", "厦门"]),
           ("b2b_north", "华北", ["北京", "天津", "济南", "石家庄"])]
INDUSTRIES = ["教育", "医疗", "制造", "零售", "金融", "互联网", "其他"]
CHANNELS = [("官网", 30), ("展会", 20), ("抖音", 15), ("知乎", 10), ("公众号", 10), ("小红书", 5), ("转介绍", 5),
            ("电话", 5)]
UTM = {"官网": "website", "展会": "expo", "抖音": "douyin", "知乎": "zhihu", "公众号": "wechat", "小红书": "xiaohongshu",
       "转介绍": "referral"}
KINDS = {"教育": ["教育科技", "职业学院", "实验学校"], "医疗": ["医疗信息", "健康管理", "医院"],
         "制造": ["精密机械", "智能装备", "电子科技"], "零售": ["连锁", "商贸"], "金融": ["融资租赁", "保险代理"],
         "互联网": ["网络科技", "云计算"], "其他": ["咨询", "物流"]}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def generate(ctx) -> None:
    rng = random.Random(ctx.seed)
    n = max(10, round(FULL["leads"] * ctx.scale))
    now = ctx.now
    ctx.user("b2b_director", "manager", team="b2b_sales", display_name="周总监", region="华东")
    reps: dict[str, list[int]] = {}
    for i, (team, region, _cities) in enumerate(REGIONS):
        mgr = f"b2b_mgr{i + 1}"
        ctx.user(mgr, "manager", team=team, manager="b2b_director", display_name=person(rng) + "经理", region=region)
        reps[region] = [ctx.user(f"b2b_rep{i * 3 + j + 1}", "rep", team=team, manager=mgr, display_name=person(rng),
                                 region=region) for j in range(3)]
    ctx.user("b2b_presales1", "b2b_presales_manager", team="b2b_presales", display_name=person(rng) + "（售前）")
    channels = [c for c, w in CHANNELS for _ in range(w)]
    items, moves, proposals = [], [], []
    for i in range(n):
        team, region, cities = rng.choice(REGIONS)
        industry = rng.choice(INDUSTRIES)
        channel = rng.choice(channels)
        created = now - dt.timedelta(days=rng.uniform(0, 60), hours=rng.uniform(0, 8))
        company = f"{rng.choice(cities)}{rng.choice('华创博恒瑞科远联达汇')}{rng.choice('智新信泰安盛')}{rng.choice(KINDS[industry])}有限公司"
        engaged = rng.random()
        data = {
            "company": company, "contact_name": person(rng), "industry": industry, "region": region,
            "phone": f"1{rng.choice('3589')}{i:09d}"[:11],
            "email": f"contact{i}@{rng.choice(['corp', 'tech', 'group'])}{i}.cn",
            "company_size": rng.choice(["1-49人", "50-199人", "200-999人", "1000人以上"]),
            "channel": channel, "utm_source": UTM.get(channel), "utm_medium": "cpc" if channel in ("抖音", "知乎") else None,
            "utm_campaign": f"Q1_{industry}" if channel != "电话" else None,
            "booth_no": f"{rng.choice('ABCDEFGHN')}{rng.randint(1, 12)}-{rng.randint(1, 300):03d}" if channel == "展会" else None,
            "page_minutes": round(rng.expovariate(1 / (4 if engaged > 0.5 else 1.5)), 1),
            "downloads": min(6, int(rng.expovariate(1 / (2 if engaged > 0.6 else 0.6)))),
            "price_page_seconds": int(rng.expovariate(1 / (60 if engaged > 0.7 else 15))),
        }
        if rng.random() < 0.7:
            data["first_followup_at"] = (created + dt.timedelta(hours=rng.expovariate(1 / 30))).isoformat()
        owner = rng.choice(reps[region])
        items.append((data, owner, created))
        roll = rng.random()
        if roll < 0.5:
            path = ["screened"] + (["demo_booked"] if roll < 0.3 else []) + (["proposal_sent"] if roll < 0.15 else []) \
                + (["contract_pending"] if roll < 0.07 else [])
            moves.append((i, path, created))
        elif roll > 0.97 and industry in ("教育", "医疗", "制造"):
            other = rng.choice([r for r in REGIONS if r[1] != region])
            proposals.append((i, rng.choice(reps[other[1]]), created))
    ids = ctx.create_all("线索", "b2b_lead", items)
    with ctx.batch("线索推进", len(moves)) as b:
        for i, path, created in moves:
            at = created
            for stage in path:
                at = min(now - dt.timedelta(minutes=5), at + dt.timedelta(days=rng.uniform(0.3, 6)))
                b.move("b2b_lead", ids[i], stage, at=at)
    with ctx.batch("跨区分配提议", len(proposals)) as b:   # approvals wait for the managers
        for i, new_owner, _created in proposals:
            b.update("b2b_lead", ids[i], {"new_owner": new_owner}, at=now - dt.timedelta(minutes=30))
