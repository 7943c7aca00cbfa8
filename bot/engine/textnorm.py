"""Normalise text as people type it: width, case, script, Chinese numerals.

Lexicon-specific rewriting (synonyms, typos, English words) happens in matching; this module
only does what holds for any text: NFKC (full-width letters and digits), lower case,
traditional to simplified, and Chinese numerals to digits where they are numbers.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc

from bot.engine.answers import Language

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-zA-Z]")
_ENGLISH_WORD = re.compile(r"[a-zA-Z]{2,}")
_MIN_ENGLISH_WORDS = 4
_WHITESPACE = re.compile(r"\s+")
# Control characters (C0, DEL, C1) are never part of a word: a NUL or an escape code typed or
# piped into a question separates what is around it.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# "56个亿" is spoken Chinese for 56亿.
_COUNTED_MAGNITUDE = re.compile(r"(\d)个([万亿])")
# "havent", "dont": an English negation typed without its apostrophe.
_BARE_NEGATION = re.compile(r"\b(have|has|had|do|does|did|is|are|was|were|ca|wo|could|would)nt\b")
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}\b)")

_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千点"
# A run of Chinese numerals, optionally with a magnitude (亿/万) kept as a unit, optionally
# introduced by 百分之 (percent). Single numeral characters are only numbers when a magnitude
# or percent follows, so 五大, 三个方面, 一批, 九龙坡 and 一企一策 stay words.
_CHINESE_NUMBER = re.compile(
    rf"(?P<percent>百分之)?(?P<digits>[{_NUMERAL_CHARS}]+)(?P<magnitude>[万亿]*)(?P<sign>%?)"
)


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def controls_to_spaces(text: str) -> str:
    """``text`` with each control character (a NUL, an escape code, U+0085…) made a space."""
    return _CONTROL.sub(" ", text)


def _convert(config: str, text: str) -> str:
    # OpenCC converts a C string: at a NUL it would stop and drop the rest of the text.
    converter = _converter(config)
    return "\x00".join(str(converter.convert(piece)) for piece in text.split("\x00"))


def to_simplified(text: str) -> str:
    """Traditional to simplified (Taiwan variants too, so 著 as a particle becomes 着)."""
    return _convert("tw2s", text)


def taiwan_wording(text: str) -> str:
    """A mainland word as Taiwan (and mostly Hong Kong) writes it, in simplified characters:
    软件 → 软体, 项目 → 专案, 信息 → 资讯, 人工智能 → 人工智慧. (Converting the other way
    is not safe on mainland text: OpenCC's tw2sp turns 新增 into 添加.)"""
    return to_simplified(_convert("s2twp", text))


def to_traditional(text: str) -> str:
    """Simplified to traditional with Taiwan/Hong Kong character forms (麵, not 麪)."""
    return _convert("s2tw", text)


def detect_language(text: str) -> Language:
    """English when there is no Chinese, or when English words carry the sentence and the
    Chinese is a name or two ("how much is the 江苏血透 deal worth?"); otherwise the script
    most characters are in."""
    text = unicodedata.normalize("NFKC", text)
    if not _CJK.search(text):
        return Language.ENGLISH if _LATIN.search(text) else Language.SIMPLIFIED
    english_words = len(_ENGLISH_WORD.findall(text))
    if english_words >= _MIN_ENGLISH_WORDS and english_words * 2 > len(_CJK.findall(text)):
        return Language.ENGLISH
    simplified = to_simplified(text)
    traditional = to_traditional(text)
    traditional_only = sum(1 for a, b in zip(text, simplified, strict=False) if a != b)
    simplified_only = sum(1 for a, b in zip(text, traditional, strict=False) if a != b)
    if traditional_only == simplified_only and traditional_only:
        # "唔該晒": as many characters of each script; Cantonese is written traditional.
        return (
            Language.TRADITIONAL if _CANTONESE_MARKERS.search(simplified) else Language.SIMPLIFIED
        )
    return Language.TRADITIONAL if traditional_only > simplified_only else Language.SIMPLIFIED


_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_chinese_number(text: str) -> str | None:
    """The digits of a Chinese number below ten thousand, with decimals: 十三点六 → "13.6".

    Hand-written rather than cn2an: it is all we need of it, and importing cn2an took 40% of
    the bot's start-up time. None when ``text`` is not a well-formed number.
    """
    integer, point, fraction = text.partition("点")
    if point and (not fraction or any(c not in _DIGITS for c in fraction)):
        return None
    if any(c in _UNITS for c in integer):
        total = pending = 0
        last_unit = 10_000
        for char in integer:
            if char in _DIGITS:
                pending = _DIGITS[char]
            else:
                unit = _UNITS[char]
                if unit >= last_unit:
                    return None
                total += (pending or 1) * unit  # 十三: a bare unit counts one
                pending, last_unit = 0, unit
        if pending and integer[-2] in _UNITS and integer[-2] != "十":
            # 一百四 is 140 and 两千五 is 2,500: a last digit straight after a unit counts in
            # the next unit down.
            pending *= _UNITS[integer[-2]] // 10
        number = str(total + pending)
    elif integer:
        number = "".join(str(_DIGITS[c]) for c in integer)
    else:
        return None
    return f"{number}.{''.join(str(_DIGITS[c]) for c in fraction)}" if point else number


_ROUGHLY = frozenset(
    {"一两", "两三", "二三", "三四", "四五", "五六", "六七", "七八", "八九", "三五"}
)


def _number_to_digits(match: re.Match[str]) -> str:
    digits, magnitude = match.group("digits"), match.group("magnitude")
    percent = bool(match.group("percent") or match.group("sign"))
    if len(digits) == 1 and not magnitude and not percent:
        return match.group(0)
    if digits in _ROUGHLY and not magnitude and not percent:
        # "一两个例子", "三五家": a rough count, not 12 or 35.
        return match.group(0)
    if digits in {"百", "千"} and magnitude:
        # 百亿级 ("hundred-million-level") is the article's name for an industry's scale.
        return match.group(0)
    number = parse_chinese_number(digits)
    if number is None:
        return match.group(0)
    return f"{number}{magnitude}{'%' if percent else ''}"


def numerals_to_digits(text: str) -> str:
    """Rewrite Chinese numbers as digits: 五十亿 → 50亿, 百分之十四点五 → 14.5%. A five-year
    plan's name (十四五, 十五五) is a name, not the number 15."""
    pieces = _FIVE_YEAR_PLAN.split(text)
    for i in range(0, len(pieces), 2):
        pieces[i] = _CHINESE_NUMBER.sub(_number_to_digits, pieces[i])
    return "".join(pieces)


# "好几十亿", "几十个亿", "数十亿": tens of 亿, a vague amount (not 10亿).
_VAGUE_TENS = re.compile(r"好?几(?:10|十)多?个?(?=亿)|数(?:10|十)(?=亿)")
_FIVE_YEAR_PLAN = re.compile(
    r"(十[一二三四五六七八九]五)(?=规划|末|期间|时期|期末|”|\"|$|[^亿万个家%点])"
)
# "6.5 billion yuan", "500 million", "RMB 5bn": English amounts in the article's units.
_ENGLISH_AMOUNT = re.compile(
    r"(?:(?:rmb|cny|¥)\s*)?(?P<number>\d+(?:\.\d+)?)[\s-]*(?P<scale>billion|bn|million|mn|yi)\b"
    r"(?:[\s-]*(?:yuan|rmb|cny)\b)?(?P<level>[\s-]*level\b)?"
)
# "36 yi": Singaporean and overseas readers write the Chinese unit in pinyin.
_SCALE_IN_YI = {"billion": 10, "bn": 10, "million": 0.01, "mn": 0.01, "yi": 1}


def _amount_in_yi(match: re.Match[str]) -> str:
    value = float(match.group("number")) * _SCALE_IN_YI[match.group("scale")]
    level = "级" if match.group("level") else ""  # "5-billion-yuan-level": the article's 50亿级
    if value < 1:
        return f"{value * 10_000:g}万{level} "
    return f"{value:g}亿{level} "


def english_amounts(text: str) -> str:
    """Rewrite English amounts in 亿 and 万 as the article writes them: 6.5 billion → 65亿
    (and the "10-billion-yuan level" as 百亿级, the level's name in Chinese)."""
    return _NAMED_LEVEL.sub(
        lambda m: _LEVEL_NAMES[m.group(1)], _ENGLISH_AMOUNT.sub(_amount_in_yi, text)
    )


# 百亿级, 千亿级 name levels in words; "10-billion-yuan-level" becomes 100亿级 first.
_LEVEL_NAMES = {"100": "百亿级", "1000": "千亿级"}
_NAMED_LEVEL = re.compile(r"(?<![\d.])(100|1000)亿级")


# "我听楼下张孃孃说…": hearsay, whoever passed it on; who said it is no part of the question.
# ("隔壁王大爷说…", "朋友说…": passed on by the people around the writer, the same.)
_HEARD_FROM = re.compile(
    r"(?:听(?!说)|(?<![\u3400-\u9fff])(?:我|我的|我们)?(?:隔壁|楼下|楼上|对门|邻居|朋友|同事|亲戚|屋头|家里))"
    r"[^\s,.?!;:，。？！；：]{0,6}?(?:说|讲)(?!话|明|法|过)"
)
# "增长了几个点": percentage points, how much a rate is, not a count of something.
# ("几点开始" asks the time: without 个 or 百分 it is left alone.)
# "how many square meters", "how many billion yuan": an amount of the unit, not a count.
_HOW_MANY_OF_A_UNIT = re.compile(
    r"\bhow many(?= (?:square|sq\b|sqm|m2|billion|million|yuan|rmb|percent|hectares?|mu)\b)"
)
_PERCENTAGE_POINTS = re.compile(r"(?:几|多少|好多)(?:个百分|个|百分)点(?![钟半多])")
# Chongqing and Sichuan speech asks "好多" for 多少 ("投资好多", "是好多嘛", "好多个"); before
# a noun it still means "many" (好多企业).
_DIALECT_HOW_MANY = re.compile(r"好多(?=[个家项亿万钱元]|$|[?!.,;:\s]|[哦嘛呢喃啊哈嘞噻])")
# ... and "好久" for 什么时候 before what is to happen ("好久建成", "好久开工"); "好久不见",
# "好久没" and "等了好久" keep their Mandarin sense.
_DIALECT_WHEN = re.compile(r"好久(?=[开建完投签落动能会才可]|启)")
# "那几个狠抓", "这几个项目": those, not how many.
_DEMONSTRATIVE_SEVERAL = re.compile(r"([这那])几(?:个|项|家|件|条)")
# "想核几个大渡口的数", "问几个问题": a few numbers or questions the writer has, not a count
# asked for.
_A_FEW = re.compile(
    r"几个(?=[^,，。?？!！\s]{0,6}?(?:问题|数据|数字|数|事情|事儿|事|细节)(?:$|[?!.,;:\s]|[呢啊哈吧嘛哦]))"
)
# ... and "哪个" for 谁 of a person ("区长是哪个", "书记是哪个嘛"); "是哪个项目" stays which.
_DIALECT_WHO = re.compile(r"(?<=[长记导人任者])(是|叫)?哪个(?=$|[?!.,;:\s]|[哦嘛呢喃啊哈嘞噻嗦])")

# "投资了一百个亿 有那么多没得哦", "真有这么高吗": doubting a figure just claimed is checking it
# (the claim is what the article can confirm or correct), not asking how much "that much" is.
_DOUBTING_TAIL = re.compile(
    r"(?:真的?)?有?(?:那么|这么|恁个|恁么|辣么)(?:多|高|大|快)(?:没得|没有|吗|不|嘛|哦|哟|啊|呀)+"
)

# "听说要引500家软件企业 吹牛的哦", "200个亿??吹的哦": calling a figure just claimed a boast
# doubts it, and the doubt is what the article can settle; with no figure claimed ("是不是吹的",
# "靠不靠谱") it stays an opinion the article does not give.
_BOAST = re.compile(
    r"[\s,，.。!！?？]*(?:莫|怕|莫不|是不是|不是|怕是|莫非)?(?:在)?吹(?:牛|的)(?:[的哦吧嘛了啊哟喔]|是不是)*"
    r"[\s?？!！。]*$"
)


def _doubting_a_claimed_figure(text: str) -> str:
    match = _BOAST.search(text)
    if match is None or not any(c.isdigit() for c in text[: match.start()]):
        return text
    return text[: match.start()] + "吗"


# Cantonese (Hong Kong readers) asks with its own function words; after conversion to
# simplified script they are read as the Mandarin ones the lexicon knows. Only in a message that
# is Cantonese by one of its markers, and 系 (係, "is") only where it is not part of a word
# (体系, 关系, 联系 …).
_CANTONESE_MARKERS = re.compile(
    r"[嘅咩咪佢嚟㗎喺唔咗啲冇睇揾啱嘢嗰𠮶]|边个|边度|边日|边三|边几|系咪|系唔系|仲有"
)
_CANTONESE_WORDS = (
    ("啱唔啱", "对不对"),
    ("啱唔", "对不"),
    ("唔该晒", "谢谢"),
    ("唔该", "谢谢"),
    ("多谢晒", "谢谢"),
    ("仲有", "还有"),
    ("仲系", "还是"),
    ("系唔系", "是不是"),
    ("系咪", "是不是"),
    ("叫咩名字", "叫什么名字"),
    ("叫咩名", "叫什么名字"),
    ("边个", "谁"),
    ("边度", "哪里"),
    ("边日", "哪天"),
    ("边", "哪"),
    ("讲嘢", "讲话"),
    ("嘢", "东西"),
    ("嗰个", "那个"),
    ("𠮶个", "那个"),
    ("嗰", "那"),
    ("𠮶", "那"),
    ("入面", "里面"),
    ("话要", "说要"),
    ("几多", "多少"),
    ("嘅", "的"),
    ("咩", "什么"),
    ("佢哋", "他们"),
    ("佢", "他"),
    ("冇", "没有"),
    ("唔", "不"),
    ("喺", "在"),
    ("咗", "了"),
    ("啲", "些"),
    ("啱", "对"),
    ("间", "家"),
    ("睇", "看"),
    ("揾", "找"),
    ("呢篇", "这篇"),
    ("呢个", "这个"),
    ("嚟㗎", ""),
    ("嚟嘅", ""),
    ("㗎", ""),
    ("嚟", "来"),
)
_CANTONESE_IS = re.compile(r"(?<![体关联派维直谱世星水语院母父科])系(?![统列数])")


def is_cantonese(text: str) -> bool:
    """Whether ``text`` (simplified or traditional) is written in Cantonese, by one of its
    markers (嘅, 佢, 边个 …)."""
    return bool(_CANTONESE_MARKERS.search(to_simplified(text)))


def cantonese_to_mandarin(text: str, *, cantonese: bool | None = None) -> str:
    """Cantonese function words as Mandarin ones (边个 → 谁, 系咪 → 是不是), in a message
    that is Cantonese (by its own markers, unless ``cantonese`` says); other text is returned
    unchanged."""
    if not (_CANTONESE_MARKERS.search(text) if cantonese is None else cantonese):
        return text
    for word, mandarin in _CANTONESE_WORDS:
        text = text.replace(word, mandarin)
    return _CANTONESE_IS.sub("是", text)


def normalize(text: str, *, cantonese: bool | None = None) -> str:
    """The comparable form of ``text``: NFKC, lower case, simplified, digits, single spaces.
    ``cantonese`` says whether the message ``text`` is part of is Cantonese (a clause of one
    may carry none of its markers: 见到大渡口呢篇); by default ``text``'s own markers decide."""
    text = unicodedata.normalize("NFKC", controls_to_spaces(text)).lower()
    text = cantonese_to_mandarin(to_simplified(text), cantonese=cantonese)
    text = numerals_to_digits(text)
    text = _VAGUE_TENS.sub("几十", text)
    text = _THOUSANDS_SEPARATOR.sub("", text)
    text = english_amounts(text)
    text = _BARE_NEGATION.sub(r"\1n't", text)
    text = _HEARD_FROM.sub("听说", text)
    text = _HOW_MANY_OF_A_UNIT.sub("how much", text)
    text = _PERCENTAGE_POINTS.sub("多少", text)
    text = _DIALECT_HOW_MANY.sub("多少", text)
    # 几多 asks how many in Cantonese, Hakka and Wuhan speech alike, with or without a
    # Cantonese marker in the message.
    text = text.replace("几多", "多少")
    text = _DIALECT_WHEN.sub("什么时候", text)
    text = _DIALECT_WHO.sub(r"\1谁", text)
    text = _DEMONSTRATIVE_SEVERAL.sub(r"\1些", text)
    text = _A_FEW.sub("一些", text)
    text = _COUNTED_MAGNITUDE.sub(r"\1\2", text)
    text = _DOUBTING_TAIL.sub("吗", text)
    text = _doubting_a_claimed_figure(text)
    return _WHITESPACE.sub(" ", text).strip()
