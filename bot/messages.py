"""Every piece of user-facing wording, in one place.

Each message has a simplified Chinese and an English text; traditional Chinese is derived
from the simplified text with OpenCC, so the two Chinese versions can never drift apart.
Placeholders use ``str.format`` names. Values put into messages are plain text: renderers
escape them for HTML.
"""

from __future__ import annotations

from bot.answers import Language
from bot.textnorm import to_traditional

MESSAGES: dict[str, dict[str, str]] = {
    # --- the engine's replies ---------------------------------------------------------------
    "no_answer": {
        "zh": "这篇报道没有提到这一点，我不能给出答案。",
        "en": "The article does not say, so I can't answer that.",
    },
    "no_answer_suggestions": {
        "zh": "报道里相关的内容有：",
        "en": "Related things the article does cover:",
    },
    "out_of_scope": {
        "zh": "我只回答《重庆日报》2023年8月15日关于大渡口区五大百亿级产业的报道；"
        "报道没有涉及“{name}”。",
        "en": "I only answer questions about the Chongqing Daily article of 2023-08-15 on "
        "Dadukou District's five industries; it does not cover “{name}”.",
    },
    "ambiguous": {
        "zh": "您的问题可以指报道里的几件事，请选一个：",
        "en": "Your question could mean several things in the article. Which one?",
    },
    "empty_question": {
        "zh": "请输入一个关于这篇报道的问题，例如：",
        "en": "Please ask a question about the article, for example:",
    },
    "smalltalk_pointer": {
        "zh": "我能回答关于《重庆日报》2023年8月15日报道《{title}》的问题，例如：",
        "en": "I answer questions about the Chongqing Daily article of 2023-08-15, "
        "“{title_en}”, for example:",
    },
    # --- citations ----------------------------------------------------------------------------
    "citation_source": {
        "zh": "《{newspaper}》{date}",
        "en": "{newspaper_en} (《{newspaper}》), {date}",
    },
    "suggestions_heading": {
        "zh": "相关问题：",
        "en": "Related questions:",
    },
    # --- terminal chat ------------------------------------------------------------------------
    "terminal_welcome": {
        "zh": "这里可以就《{newspaper}》{date}《{title}》提问（输入空行或 Ctrl-D 退出）。",
        "en": "Ask about {newspaper_en} {date}, “{title_en}” (empty line or Ctrl-D to quit).",
    },
}


def say(key: str, language: Language, **values: str) -> str:
    """The message ``key`` in ``language``, with ``values`` filled in."""
    texts = MESSAGES[key]
    if language is Language.ENGLISH:
        return texts["en"].format(**values)
    text = texts["zh"].format(**values)
    # Values (a title, a name the user typed) are converted along with the template.
    return to_traditional(text) if language is Language.TRADITIONAL else text
