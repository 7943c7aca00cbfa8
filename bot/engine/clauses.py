"""Cut a message into the questions it asks and the context around them.

People write "我是退休老师哈，……，想问下今年上半年小面营收是好多嘛", "在谈的重点项目有好多个？
签约的又有好多个？" or "What's the investment in Huashao, and what's the start rate?". The engine
answers each question on its own words (plus the context that names its subject), so a long
preamble does not dilute it and a second question is not lost.

Pure text; nothing here knows the knowledge. Which chunk carries content is the engine's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.textnorm import is_cantonese, normalize

# Where one clause ends: sentence and clause punctuation, line breaks, and a space between two
# Chinese characters (voice-to-text and phone typing use spaces as commas). A comma inside
# brackets lists ("(5bn, 10bn, 20bn)", "（50亿级、20亿级）"): it ends nothing.
_IN_BRACKETS = r"(?![^()（）]*[)）])"
_BOUNDARY = re.compile(
    rf"[?？!！。;；\n\r]+|[，、：:…~～]+{_IN_BRACKETS}|,(?!\d{{3}}\b){_IN_BRACKETS}"
    r"|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])"
    r"|(?<=[.?!])\s+(?=[A-Za-z])|\.\s*$"
    # A dash between spaces ("… a model for AI in Chongqing - which industries …").
    r"|\s+[-–—]+\s+"
)
_MARK = re.compile(r"[?？]")
_DIGIT = re.compile(r"\d")
# A confirmation tag standing alone after a claim: "…, right?", "…，对吧？", "…，是不是".
_TAG = re.compile(
    r"(?:对吧|对吗|对不对|是吧|是吗|是不是|是不是哦|没错吧|对不|是不|真的吗|真的假的|对头不|是这样不)"
    r"[吗吧呢啊哦嘛噻?!.。]*"
    r"|(?:right|correct|is it|isn't it|is that right|is that correct|am i right|true|yes or no)"
    r"[?!.]*",
    re.IGNORECASE,
)
# Emoji and pictographs ("真的假的😮"): tone, not words.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_SENTENCE_END = re.compile(r"[?？!！。;；\n\r]|\.\s")
# A numbered list of questions: "1) … 2) …", "(1)…", "①…", "1、…", "1. …". Each item is a
# question even when it asks with no question word ("2) software revenue growth target").
_NUMBERED = re.compile(
    r"[(（]?(?<![\d.])[1-9][)）]\s*|[①-⑩]|(?<![\d.])[1-9]、|(?<![\d.])[1-9]\.\s+"
)
# Words that start another question inside a clause: "小面今年营收目标好多还有明年呢".
_CONNECTIVE = re.compile(r"(?=还有|另外|此外|以及|顺便问|再问一下|再问)")
_ENGLISH_JOIN = re.compile(
    r",?\s+(?:and|also|plus)\s+(?=(?:also\s+)?(?:what|how|which|who|when|where|is|are|was|were"
    r"|does|do|did|will|can)\b)|;\s*|,?\s+also\s+",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"[?？]|多少|好多|[好多][大久长高远宽快]|几时|何时|几[个家项亿万倍成句件条]|哪|什么|啥|谁|咋|怎么|如何|为何|吗|呢|嘛|么"
    r"|对不对|是不是|是否|真的|对吧|没错|有没有|是哪|是几|几号|几月|还是|[不没]$|(.)不\1"
    r"|\b(?:what|how|which|who|whom|when|where|why|tell me|correct|right|true)\b"
    # An auxiliary asks where it starts the clause ("will it start in Q3"); inside one it
    # states ("the center will be a model for AI").
    r"|^(?:is|are|was|were|does|do|did|will|can|could)\b",
    re.IGNORECASE,
)
# A clause about the writer ("我是川外的学生", "I'm an investor in Hangzhou"): context whose
# places and trades are the writer's, not the subject of the question.
_ABOUT_ME = re.compile(
    r"^(?:喂+|那个|嗯+|哈+|诶|唉|hi|hello|hey)?\s*(?:(?:我|本人|俺|咱)(?!想?问|想知道|想了解|请教)"
    r"|i'm\b|i am\b|my\b|as an?\b|we're\b|we are\b|we (?:run|own|make|sell|do)\b"
    # "I run a food trading company in Singapore", "I work in…": the writer's own doings
    # (not what they want, think or heard: those turn to the question or state a claim).
    r"|i (?!(?:want|would|wonder|wanna|need|think|remember|recall|believe|hear|heard|read"
    r"|saw|see|guess|mean|just|only)\b)[a-z]+\b)"
    # "退休老钢铁工人一个", "宝妈一枚": a person introduced without 我, the way people do.
    r"|^[^?？]{0,12}(?:人|工|师|妈|爸|生|员|者|族|户|民|孃|嬢|婆|爷|娃|仔|哥|姐|叔|姨)(?:一个|一枚|一名)$",
    re.IGNORECASE,
)
# "我想问一下", "请问": the writer turns to the question; what follows is not about them.
_TURN = re.compile(
    r"想?问|想知道|想了解|请教|听说|据说|有人说"
    r"|(?:新闻|报道|文章|网上|媒体|视频|抖音|快手|微博|朋友圈|群里)[^,，。]{0,4}说"
    r"|i hear|i heard|i read|i want to know|i'd like to know|can you tell",
    re.IGNORECASE,
)
# "现在新闻天天说五大百亿级产业", "刷到个短视频说…": what the news or a video says is the
# content; the frame is not.
_NEWS_SAYS = re.compile(
    r"^[^,，。?？]{0,6}?(?:新闻|报道|文章|网上|媒体|视频|抖音|快手|微博|朋友圈)[^,，。?？]{0,4}?说(?=.)"
    r"|^(?:the |this )?(?:article|report|news|story) (?:says|said|mentions|states)"
    r"(?: that)? (?=.)",
    re.IGNORECASE,
)
# "A和B的投资额分别是多少": one question about each of A and B.
# A 各 after the things listed ("A和B各投资多少") — not 各 before a noun ("各区县").
_RESPECTIVELY = re.compile(
    r"分别|各自|各是|各为|各有|(?<=[\u3400-\u9fff])各(?![类种个级区县地部项方位])"
)
# "A和B(比)，哪个投资更大": which of the things named has the larger figure.
_COMPARED = re.compile(
    r"(?P<things>.+?)(?:相比|比较|对比|比)?[\s,，]*(?:哪个|哪一个|哪样|谁)的?"
    r"(?P<measure>[^更最比]{1,6}?)(?:更|最|比较)?(?:大|多|高|少|小|低)[些点一]*[?？!！。呢啊哦嘛]*"
)
# "华韶和万吨两个项目": the count after the things compared names no thing of its own.
_COMPARED_COUNT = re.compile(
    r"(?:这|那)?(?:[两二三几]个|两者|二者|两家|两项)[\u3400-\u9fff]{0,2}$"
)
# "北星电子呢", "那九龙坡的呢", "and Beixing?", "what about hotpot": a question that names a
# thing and asks nothing of its own; it asks what the question before it asked.
_ELLIPTICAL = re.compile(
    r"^(?:那|那么|还有|另外|而)?[^?？,，。多少几哪啥什么谁咋怎]{1,16}?(?:的|又|那边|那个)?呢[?？!！。\s]*$"
    r"|^(?:and|what about|how about)\s+[^?,]{1,40}?[?？.\s]*$",
    re.IGNORECASE,
)
# "targets for new software companies and software revenue growth": what an English question
# asks of two things joined by "and" — the words up to its last preposition, or its question
# words ("How many … and …").
_ENGLISH_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_ENGLISH_HEAD = re.compile(r"^.*\b(?:for|of|in|on|about|to|by)\s+", re.IGNORECASE)
_ENGLISH_ASKING = re.compile(
    r"^(?:what|which|how\s+\w+|who|when|where)(?:\s+(?:is|are|was|were|do|does|did|will))?"
    r"(?:\s+the)?\s+",
    re.IGNORECASE,
)
# "除了营收目标", "apart from the revenue target": what the question sets aside.
_BESIDES = re.compile(r"^(?:除了|除开|除去|besides\b|apart from\b|other than\b|aside from\b)")
_EACH = re.compile(r"(?:各|分别|各自)(?:是|为|有)?(?:多少|好多|几多)[?？!！。呢啊哦嘛]*")
_AND = re.compile(r"和|与|跟|及|以及|、|还有")
_POSSESSIVE = "的"


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a message: its text, whether it asks something, whether it is about the
    writer, and whether a frame ("短视频说", "the article says") was cut from its start."""

    text: str
    asks: bool
    about_writer: bool
    framed: bool = False


def _pieces(text: str) -> list[tuple[str, bool]]:
    """``text`` cut at its boundaries, each piece with whether it is a whole sentence that a
    question mark ends ("noodle target for next year?"; not the tail of "What was the revenue,
    not just the growth target?", whose question mark is the whole sentence's)."""
    found: list[tuple[str, bool]] = []
    start = 0
    whole_sentence = True
    for boundary in _BOUNDARY.finditer(text):
        mark = boundary.group()
        piece = text[start : boundary.start()]
        found.append((piece, whole_sentence and bool(_MARK.search(mark))))
        if piece or not mark.isspace():
            # (The space after "cost?" in "cost? and the Wandun project?" ends nothing: the
            # next sentence still starts whole.)
            whole_sentence = bool(_SENTENCE_END.search(mark))
        start = boundary.end()
    found.append((text[start:], False))
    return found


def clauses(message: str) -> list[Clause]:
    """The message's clauses in order, blank ones dropped."""
    items = _NUMBERED.split(message)
    if len(items) < 3:
        items = [message]  # one marker is no list ("1) …" alone, "第1、")
    pieces: list[tuple[str, bool]] = []
    for number, item in enumerate(items):
        first = len(pieces)
        for piece, marked in _pieces(item):
            for part in _CONNECTIVE.split(piece):
                pieces.extend((p, False) for p in _ENGLISH_JOIN.split(part) if p.strip())
            if marked and pieces and pieces[-1][0].strip():
                # "noodle target for next year? what about hotpot?": a question mark asks,
                # whatever the words before it.
                pieces[-1] = (pieces[-1][0], True)
        if number and len(pieces) > first:
            pieces[-1] = (pieces[-1][0], True)  # a listed item asks, whatever its words
    found: list[Clause] = []
    about_writer = False
    cantonese = is_cantonese(message)
    for piece, listed in pieces:
        text = piece.strip(" \t,.，。")
        if not text:
            continue
        # Read as matching reads it: simplified, Cantonese and dialect words as Mandarin ones
        # ("分咗邊三張清單", "仲有幾多個" ask like "分了哪三张清单", "还有多少个").
        simplified = normalize(text, cantonese=cantonese)
        frame = _NEWS_SAYS.match(text)
        framed = bool(frame) and not _ABOUT_ME.search(simplified)
        if frame and framed:
            # "现在新闻天天说五大百亿级产业", "文章说下半年从哪三个方面抓": what was reported
            # is the content; the frame (and its 说, which no one in the article said) is not.
            text = text[frame.end() :]
            simplified = normalize(text, cantonese=cantonese)
            about_writer = False  # the message turns from the writer to what was reported
        if found and _TAG.fullmatch(_EMOJI.sub("", simplified).strip()):
            # "the noodle target is 10 billion yuan, right?": a tag asks whether the clause
            # before it is so; it is no question of its own.
            last = found[-1]
            found[-1] = Clause(f"{last.text} {text}", True, False, last.framed)
            # "软件企业新引育50家，软信营收增长40%，对吗？": the tag checks every claim before
            # it that states a figure, each a question of its own.
            for number in range(len(found) - 2, -1, -1):
                claim = found[number]
                if claim.asks or claim.about_writer or not _DIGIT.search(claim.text):
                    break
                found[number] = Clause(f"{claim.text} {text}", True, False, claim.framed)
            about_writer = False
            continue
        asks = listed or bool(_QUESTION.search(simplified))
        # A clause about the writer goes on until the message turns to its question.
        turning = bool(_TURN.search(simplified))
        about_writer = bool(_ABOUT_ME.search(simplified)) or (
            about_writer and not asks and not turning
        )
        found.append(Clause(text, asks, about_writer and not asks and not turning, framed))
    return found


def sets_aside(text: str) -> bool:
    """Whether a clause names what the question is not about ("除了营收目标", "besides the
    targets"): no context for it."""
    return bool(_BESIDES.match(text.strip()))


def is_elliptical(text: str) -> bool:
    """Whether a question only names a thing ("北星电子呢", "what about Beixing?"), asking of
    it what the question before it asked."""
    return bool(_ELLIPTICAL.match(text.strip()))


def split_compared(question: str, context: str = "") -> list[str]:
    """ "万吨商旅融合和华韶智算中心 哪个投资更大" → how much of the measure each thing has
    (the things may stand in the context clause before the question); ``[]`` when the question
    compares nothing. The bot does not compute: each thing's figure is cited and the user
    compares the article's own figures."""
    text = f"{context} {question}".strip() if context else question.strip()
    compared = _COMPARED.fullmatch(text)
    if compared is None:
        return []
    named = _COMPARED_COUNT.sub("", compared["things"].strip(" ,，"))
    things = [t.strip(" ,，") for t in _AND.split(named) if t.strip(" ,，")]
    if len(things) < 2:
        return []
    return [f"{thing}{compared['measure']}多少" for thing in things]


def split_english_pair(question: str) -> list[str]:
    """ "What are the targets for new software companies and software revenue growth?" →
    the question of each thing ("…targets for software revenue growth?"); ``[]`` without one
    "and", or with no words that ask. Names with "and" in them split too ("food and
    agricultural processing"): the caller keeps the halves only when each answers another
    thing."""
    halves = _ENGLISH_AND.split(question.strip())
    if len(halves) != 2 or not all(h.strip() for h in halves):
        return []
    left, right = halves
    head = _ENGLISH_HEAD.match(left) or _ENGLISH_ASKING.match(left)
    if head is None or head.end() >= len(left):
        return []
    return [left, head.group() + right]


def asks_each(question: str) -> bool:
    """ "各多少", "分别是多少": a question asking each of the things just compared."""
    return bool(_EACH.fullmatch(question.strip()))


def split_respectively(question: str) -> list[str]:
    """ "华韶智算中心和万吨商旅融合项目的投资额分别是多少" → one question per named thing;
    ``[question]`` when it is not of that shape."""
    marker = _RESPECTIVELY.search(question)
    if marker is None or marker.start() == 0:
        return [question]
    head, tail = question[: marker.start()], question[marker.end() :]
    joins = list(_AND.finditer(head))
    if not joins:
        return [question]
    # The things compared are cut at the joining words; what follows the last thing's "的"
    # (its measure) belongs to every one of them.
    things: list[str] = []
    start = 0
    for join in joins:
        things.append(head[start : join.start()])
        start = join.end()
    things.append(head[start:])
    last = things[-1]
    measure = last[last.index(_POSSESSIVE) :] if _POSSESSIVE in last else ""
    if measure:
        things[-1] = last[: last.index(_POSSESSIVE)]
    things = [t for t in things if t]
    if len(things) < 2:
        return [question]
    return [f"{thing}{measure}{tail}" for thing in things]
