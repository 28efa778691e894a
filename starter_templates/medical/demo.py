"""Demo data for the medical-device pack: seeded, realistic Chinese hospitals, contacts, leads,
opportunities spread over stages and dates, visits and service tickets.

This file is data, not engine code: the pack loader calls ``generate(ctx)`` with a context that
creates users and saves every record through the record service (see docs/packs.md).
"""
from __future__ import annotations

import datetime as dt
import random

FULL = {"hospitals": 500, "contacts": 1000, "leads": 5000, "opportunities": 1000, "visits": 600, "tickets": 60}

PROVINCES = {
    "华东": [("上海", "上海"), ("江苏", "南京"), ("江苏", "苏州"), ("浙江", "杭州"), ("浙江", "宁波"), ("山东", "济南"),
             ("山东", "青岛"), ("安徽", "合肥"), ("福建", "福州"), ("福建", "厦门")],
    "华南": [("广东", "广州"), ("广东", "深圳"), ("广西", "南宁"), ("海南", "海口")],
    "华北": [("北京", "北京"), ("天津", "天津"), ("河北", "石家庄"), ("山西", "太原")],
    "华中": [("湖北", "武汉"), ("湖南", "长沙"), ("河南", "郑州"), ("江西", "南昌")],
    "西南": [("四川", "成都"), ("重庆", "重庆"), ("云南", "昆明"), ("贵州", "贵阳")],
    "西北": [("陕西", "西安"), ("甘肃", "兰州"), ("新疆", "乌鲁木齐")],
    "东北": [("辽宁", "沈阳"), ("吉林", "长春"), ("黑龙江", "哈尔滨")],
}
KINDS = ["第一人民医院", "第二人民医院", "中心医院", "中医院", "骨科医院", "人民医院", "附属医院", "妇幼保健院",
         "第三人民医院", "医科大学附属第一医院", "协和医院", "同仁医院", "红十字会医院", "市立医院"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华",
         "志强", "海燕", "晓东", "文博", "雪梅", "国庆", "春雷", "立新", "思远", "子豪", "欣怡", "浩然"]
CHANNELS = ["展会", "官网", "抖音", "公众号", "转介绍", "电话"]
CATEGORIES = ["导航系统", "关节", "脊柱", "创伤", "运动医学", "手术耗材"]
PROCEDURES = ["全膝置换", "全髋置换", "单髁置换", "脊柱侧弯矫形", "腰椎融合", "颈椎前路", "椎体成形", "骨盆骨折固定",
              "髓内钉固定", "关节镜交叉韧带重建", "肩关节置换", "翻修手术"]
# where the 1,000 opportunities stand (stages that need uploaded files are reached by people, not demo data)
STAGE_MIX = [("contact", 20), ("demo_booked", 12), ("equipment_review", 10), ("committee", 8), ("budget", 8),
             ("notice", 7), ("experts", 5), ("presentation", 8), ("bid_opening", 5), ("won", 10), ("lost", 7)]
TEAMS = [("med_ortho", "华东"), ("med_ortho", "华南"), ("med_spine", "华北"), ("med_spine", "西南")]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def generate(ctx) -> None:
    rng = random.Random(ctx.seed)
    n = {k: max(1, round(v * ctx.scale)) for k, v in FULL.items()}
    now = ctx.now
    # people: a director, four managers with three reps each, service engineers, R&D
    ctx.user("med_director", "manager", team="med_sales", display_name="周总监", region="华东")
    reps = []
    for i, (team, region) in enumerate(TEAMS):
        mgr = f"med_mgr{i + 1}"
        ctx.user(mgr, "manager", team=team, manager="med_director", display_name=person(rng) + "经理", region=region)
        for j in range(3):
            reps.append(ctx.user(f"med_rep{i * 3 + j + 1}", "rep", team=team, manager=mgr,
                                 display_name=person(rng), region=region))
    engineers = [ctx.user(f"med_eng{i + 1}", "med_service_engineer", team="med_service", display_name=person(rng))
                 for i in range(3)]
    ctx.user("med_rnd1", "rep", team="med_rnd", display_name=person(rng))
    products = ctx.ids("med_product")
    faults = ctx.ids("med_fault_type")

    def at(days_ago_max: int, days_ago_min: int = 0) -> dt.datetime:
        return now - dt.timedelta(days=rng.uniform(days_ago_min, days_ago_max), hours=rng.uniform(0, 8))

    names: set[str] = set()
    items = []
    while len(items) < n["hospitals"]:
        region = rng.choice(list(PROVINCES))
        province, city = rng.choice(PROVINCES[region])
        name = city + rng.choice(KINDS)
        if name in names:
            name = f"{city}{rng.choice(['东区', '西区', '南院', '北院', '新院'])}{rng.choice(KINDS)}"
        if name in names:
            continue
        names.add(name)
        level = rng.choices(["三甲", "三乙", "二级"], [45, 20, 35])[0]
        beds = rng.randint(800, 3500) if level == "三甲" else rng.randint(500, 1200) if level == "三乙" else rng.randint(120, 600)
        items.append(({
            "name": name, "level": level, "region": region, "province": province, "city": city, "beds": beds,
            "customer_type": {"三甲": "三甲医院", "三乙": "三乙医院", "二级": "二级医院"}[level],
            "nda_signed": rng.random() < 0.3, "annual_purchase": rng.randint(2, 900) * 10000,
            "recent_product": rng.choice(products) if products else None,
            "recent_categories": rng.sample(CATEGORIES, rng.randint(0, 3)),
        }, rng.choice(reps), at(400, 200)))
    hospitals = ctx.create_all("医院", "med_hospital", items)
    items = []
    for _ in range(n["contacts"]):
        unit = rng.choice(["院长办公会", "设备科", "采购科", "骨科", "临床科室", "信息科", "伦理委员会"])
        items.append(({
            "name": person(rng), "hospital": rng.choice(hospitals), "org_unit": unit,
            "function_tags": rng.sample(["招标评审组成员", "GCP伦理委员会委员", "院采委委员", "科室主任", "设备科工程师"],
                                        rng.randint(0, 2)),
            "influence_role": {"院长办公会": "决策者", "设备科": "影响者", "采购科": "影响者"}.get(unit, "使用者"),
            "title": rng.choice(["主任医师", "副主任医师", "主治医师", "工程师", "科长"]),
            "specialties": rng.sample(PROCEDURES, rng.randint(0, 3)) if unit in ("骨科", "临床科室") else [],
            "phone": f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
        }, rng.choice(reps), at(300, 150)))
    contacts = ctx.create_all("联系人", "med_contact", items)
    items, later = [], []
    for i in range(n["leads"]):
        channel = rng.choice(CHANNELS)
        ctype = rng.choices(["三甲医院", "三乙医院", "二级医院", "民营医院"], [40, 20, 25, 15])[0]
        created = at(180)
        data = {"name": f"{rng.choice(list(names))}·{rng.choice(CATEGORIES)}需求", "contact_name": person(rng),
                "phone": f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}", "channel": channel,
                "customer_type": ctype, "categories": rng.sample(CATEGORIES, rng.randint(1, 2)),
                "region": rng.choice(list(PROVINCES)), "utm_source": {"抖音": "douyin", "公众号": "wechat",
                                                                    "官网": "website"}.get(channel)}
        if channel == "展会":
            data["booth_no"] = f"{rng.choice('ABCDEFG')}{rng.randint(1, 60):02d}"
        roll = rng.random()
        if roll < 0.7:
            data["first_followup_at"] = created + dt.timedelta(hours=rng.expovariate(1 / 40))
        if roll < 0.45:
            stage = rng.choices(["contacted", "qualified", "converted", "invalid"], [40, 25, 20, 15])[0]
            if stage in ("qualified", "converted"):  # qualifying needs the hospital
                data["hospital"] = rng.choice(hospitals)
            later.append((i, stage, min(now, created + dt.timedelta(days=rng.uniform(0.5, 20)))))
        items.append((data, rng.choice(reps), created))
    leads = ctx.create_all("线索", "med_lead", items)
    with ctx.batch("线索推进", len(later)) as b:
        for i, stage, moved in later:
            b.move("med_lead", leads[i], stage, at=moved)
    stages = [s for s, w in STAGE_MIX for _ in range(w)]
    items, later = [], []
    for i in range(n["opportunities"]):
        stage = rng.choice(stages)
        created = at(300, 5)
        product = rng.choice(products) if products else None
        amount = rng.randint(5, 600) * 10000
        data = {"name": f"{rng.choice(list(names))}{rng.choice(['导航系统', '关节假体', '脊柱内固定', '运动医学设备'])}采购",
                "hospital": rng.choice(hospitals), "contact": rng.choice(contacts), "product": product,
                "amount": amount, "expected_close": (created + dt.timedelta(days=rng.randint(60, 260))).date().isoformat()}
        order = [s for s, _ in STAGE_MIX]
        idx = order.index(stage)
        if idx >= order.index("demo_booked"):
            data["demo_at"] = (created + dt.timedelta(days=3)).isoformat()
        if idx >= order.index("committee") and stage != "lost":
            data["committee_date"] = (created + dt.timedelta(days=30)).date().isoformat()
        if idx >= order.index("budget") and stage != "lost":
            data["budget_approval_no"] = f"{rng.choice(['京', '沪', '苏', '浙', '粤', '川'])}财预〔2026〕{rng.randint(1, 300)}号"
        if idx >= order.index("notice") and stage != "lost":
            data["notice_url"] = f"http://www.ccgp.gov.cn/cggg/dfgg/gkzb/2026/{rng.randint(100000, 999999)}.htm"
        if idx >= order.index("experts") and stage != "lost":
            data["expert_list"] = "、".join(person(rng) for _ in range(5))
        if idx >= order.index("presentation") and stage != "lost":
            data["presentation_at"] = (created + dt.timedelta(days=60)).isoformat()
        if idx >= order.index("bid_opening") and stage != "lost":
            data["bid_price"] = round(amount * 0.95)
        if stage == "lost":
            data["loss_reason"] = rng.choice(["价格", "参数不符", "关系", "预算取消"])
        items.append((data, rng.choice(reps), created))
        if stage != "contact":
            # most sit in their stage for days or weeks: some past their SLA (overdue items to look at)
            later.append((i, stage, min(now - dt.timedelta(hours=1), created + dt.timedelta(days=rng.uniform(1, 4)))))
    opps = ctx.create_all("商机", "med_opportunity", items)
    with ctx.batch("商机推进", len(later)) as b:
        for i, stage, moved in later:
            b.move("med_opportunity", opps[i], stage, at=moved)
    ctx.create_all("拜访", "med_visit", [({
        "subject": rng.choice(["产品演示", "术后回访", "招标沟通", "临床培训", "设备科技术交流"]),
        "opportunity": rng.choice(opps), "hospital": rng.choice(hospitals), "contact": rng.choice(contacts),
        "visited_at": at(90).isoformat(), "brought_sample": rng.random() < 0.4,
        "solved_count": rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0],
        "cross_dept": rng.sample(["临床培训", "定制接口", "合规文件"], rng.randint(0, 2)),
    }, rng.choice(reps), at(90)) for _ in range(n["visits"])])
    images = [ctx.demo_image() for _ in range(n["tickets"])]  # uploads keep their own transaction
    with ctx.batch("服务工单", n["tickets"]) as b:
        for i in range(n["tickets"]):
            b.create("med_ticket", {
                "hospital": rng.choice(hospitals), "product": rng.choice(products) if products else None,
                "fault": rng.choice(faults), "clinical_scenario": rng.choice(PROCEDURES),
                "intraop_image": [images[i]], "description": "术中导航定位偏差约2mm，需现场校准",
                "priority": rng.choice(["高", "中", "低"]),
            }, owner=rng.choice(engineers), at=at(20))
    with ctx.batch("过程健康度", 6) as b:
        for m in range(6):
            month = (now.replace(day=1) - dt.timedelta(days=31 * m)).strftime("%Y-%m")
            b.create("med_process_review", {"period_month": month, "stage_accuracy": rng.randint(55, 95),
                                            "on_time_rate": rng.randint(45, 90), "quality_visit_rate": rng.randint(40, 85),
                                            "update_rate": rng.randint(50, 92)}, owner=rng.choice(reps), at=now)
