"""Generators of realistic, valid Chinese identifiers for demo data, test
factories and benchmarks. All take a ``random.Random`` so output is deterministic."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from chexian.core.validators import USCC_ALPHABET, resident_id_check_digit, uscc_check_char, vin_check_digit

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Approximate shares (per mille) of the surnames above in the national ranking: the
# top three hold about 7 % each, the hundredth 0.2 %. Name searches ("王伟") then meet
# the skew of real customer books instead of a flat distribution.
SURNAME_WEIGHTS = [71, 70, 67, 53, 46, 32, 23, 21, 20, 19] + [
    16.7 * (11 / rank) ** 0.95 for rank in range(11, len(SURNAMES) + 1)
]
_SURNAME_CUM_WEIGHTS = list(itertools.accumulate(SURNAME_WEIGHTS))
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰斌辉鹏华红玉飞建文宇浩然梓涵子轩"
    "欣怡雨婷俊杰思远志强海燕晓东佳琪嘉怡博文家豪晨阳一鸣"
)
COMPANY_PREFIX = ["广州", "深圳", "佛山", "东莞", "珠海", "中山"]
COMPANY_WORDS = ["恒信", "安达", "鑫源", "华盛", "联通", "顺达", "宏图", "嘉禾", "金桥", "新锐"]
COMPANY_SUFFIX = ["贸易有限公司", "物流有限公司", "科技有限公司", "建材有限公司", "餐饮管理有限公司"]
# County codes of Guangdong, where the demo group runs its stores.
AREA_CODES = ["440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114", "440115",
              "440303", "440304", "440305", "440306", "440604", "440605", "441900", "442000"]
AREA_NAMES = ["荔湾区", "越秀区", "海珠区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区",
              "罗湖区", "福田区", "南山区", "宝安区", "禅城区", "南海区", "东莞市", "中山市"]
WMIS = ["LSV", "LFV", "LGB", "LVS", "LSG", "LHG", "LVG", "LBV", "LGX", "LRW"]
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"  # 34 symbols: no I, no O
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model-year code cycle from 2010 (A)


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM_WEIGHTS)[0] + given


def company_name(rng: random.Random) -> str:
    return rng.choice(COMPANY_PREFIX) + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_SUFFIX)


def resident_id(rng: random.Random, birth_from=dt.date(1955, 1, 1), birth_to=dt.date(2004, 12, 31)) -> str:
    birth = birth_from + dt.timedelta(days=rng.randrange((birth_to - birth_from).days))
    first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_digit(first17)


def uscc(rng: random.Random) -> str:
    body = "91" + rng.choice(AREA_CODES) + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"


def vin(rng: random.Random, serial: int, plant: str = "A", year: int = 2020) -> str:
    """A valid VIN whose last six characters are ``serial`` (unique per plant)."""
    vds = "".join(rng.choice(VIN_ALPHABET) for _ in range(5))
    year_code = YEAR_CODES[(year - 2010) % len(YEAR_CODES)]
    body = f"{rng.choice(WMIS)}{vds}0{year_code}{plant}{serial % 1_000_000:06d}"
    check = vin_check_digit(body)
    return body[:8] + check + body[9:]


def _base34(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 34)
        chars.append(PLATE_ALPHABET[rem])
    return "".join(reversed(chars))


def plate(index: int, province: str = "粤", letter: str = "A", new_energy: bool = False) -> str:
    """A valid plate, unique for each ``index`` within one province+letter
    (ordinary plates for index < 34**5, green plates for index < 680,000)."""
    if new_energy:
        x = (index * 7919) % 680_000  # 7919 is prime to 680,000: a permutation
        kind, rest = divmod(x, 340_000)
        return f"{province}{letter}{'DF'[kind]}{PLATE_ALPHABET[rest // 10_000]}{rest % 10_000:04d}"
    body = _base34((index * 104_729) % 34**5, 5)
    return f"{province}{letter}{body}"
