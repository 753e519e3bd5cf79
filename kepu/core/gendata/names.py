"""Plausible synthetic Chinese names (places, people, firms) for demo and benchmark data.

Drawn from fixed word lists with a caller's seeded random.Random, so the same seed gives the same
names; none of them is meant to be a real place or person.
"""

from __future__ import annotations

import random

FIRST = list("青石龙白黄新金双大高长清花凤马三太安永兴福桂柏松竹梅水云东西南北中上下宝玉红古仙天平来何朱板吉")
SECOND = list("龙岗山桥溪坝河湾坪岩林田塘口场池阳丰平和华兴安峰江湖沟垭坡岭堡寺庙庄滩洞沱门")
URBAN = ["新华", "人民", "文化", "建设", "光明", "和平", "胜利", "解放", "友谊", "团结", "红旗", "幸福",
         "朝阳", "振兴", "育才", "滨江", "南湖", "北城", "东方", "花园", "锦绣", "金桥", "桃源", "凤凰",
         "临江", "玉屏", "兴龙", "渝州", "汇龙", "书香", "翠湖", "望江", "同心", "和顺", "康宁", "万福",
         "龙泉", "石门", "双桥", "卫星", "民主", "春晖", "铁路", "大桥", "月亮湾", "清华", "学府", "新村"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅鹏飞斌宇浩凯婷雪琴云亮成林春兵志文")
ROADS = ["人民路", "中山路", "解放路", "建设路", "新华路", "兴龙大道", "红河路", "凤凰路", "渝西大道", "光彩大道",
         "滨江路", "胜利路", "文化路", "昌州大道", "学府路", "玉屏路", "萱花路", "汇龙大道", "桂山路", "临江路"]
FIRM = list("恒瑞华鑫泰宏盛达康博创嘉联信利丰源德润海天远佳和聚昌立通祥元晟拓")
INDUSTRIES = ["科技", "农业发展", "食品", "机械制造", "电子", "新材料", "生物科技", "建材", "茶业", "物流",
              "医药", "汽车零部件", "智能装备", "能源", "环保科技", "纺织", "数字科技", "生态农业", "水产养殖", "印务"]
CROPS = ["茶叶", "柑橘", "生猪", "蔬菜", "水产", "中药材", "花椒", "食用菌", "蜂业", "稻渔", "李子", "蛋鸡"]
SOCIAL = ["志愿服务队", "社会工作服务中心", "公益服务中心", "科普志愿者协会", "青少年发展中心", "老年协会"]
NUMERALS = "零一二三四五六七八九十"


def numeral(n: int) -> str:
    """Chinese numerals 1–99: 一, 十, 十一, 二十三."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones]
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


def unique_name(taken: set[str], make) -> str:
    """A name from `make()` that is not in `taken` yet (and is now)."""
    for _attempt in range(200):
        name = make()
        if name not in taken:
            taken.add(name)
            return name
    # Exhausted the combinations that `make` draws from: number the next one instead.
    base, n = make(), 2
    while f"{base}{n}" in taken:
        n += 1
    taken.add(f"{base}{n}")
    return f"{base}{n}"


def village_stem(rng: random.Random) -> str:
    return rng.choice(FIRST) + rng.choice(SECOND)


def community_stem(rng: random.Random) -> str:
    return rng.choice(URBAN) if rng.random() < 0.7 else rng.choice(FIRST) + rng.choice(SECOND)
