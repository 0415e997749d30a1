"""Names of people and companies as they appear in a Chinese sales organisation's systems:
hanzi, pinyin and English given names, local and English company names."""

from __future__ import annotations

import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 浩然 子涵 欣怡 宇轩"
)
PINYIN_SURNAMES = _words(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo"
)
PINYIN_GIVEN = _words(
    "Wei Fang Na Min Jing Li Qiang Lei Jun Yang Yong Yan Jie Juan Tao Ming Chao Xiaoyu Haoran Zihan"
)
ENGLISH_GIVEN = _words(
    "Grace Kevin Emily David Vivian Jason Cindy Eric Helen Leo Sophie Tony Amy Frank Iris Max"
)
CITIES = _words("上海 北京 深圳 杭州 成都 武汉 南京 苏州 广州 西安")
COMPANY_WORDS = _words("华信 恒通 长风 瑞达 新源 博远 星海 中科 远航 嘉禾")
COMPANY_SUFFIXES = _words(
    "科技有限公司 贸易有限公司 网络科技有限公司 实业有限公司 信息技术有限公司"
)
ENGLISH_WORDS = _words("Bright Harbor Golden Pacific Summit Jade Silver Eastern")
ENGLISH_NOUNS = _words("Star Bridge River Peak Dragon Lotus Cloud Gate")
ENGLISH_SUFFIXES = ("Trading Co., Ltd.", "Technology Co., Ltd.", "Logistics Ltd.", "Group")


def person_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)
    if r < 0.75:
        return f"{rng.choice(PINYIN_SURNAMES)} {rng.choice(PINYIN_GIVEN)}"
    return f"{rng.choice(ENGLISH_GIVEN)} {rng.choice(PINYIN_SURNAMES)}"


def company_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(CITIES) + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_SUFFIXES)
    return f"{rng.choice(ENGLISH_WORDS)} {rng.choice(ENGLISH_NOUNS)} {rng.choice(ENGLISH_SUFFIXES)}"
