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


# === Telegram (bot/telegram_app.py, bot/keyboards.py) =========================================
# Wording of the Telegram front end only. Kept in its own block at the end of the file so the
# engine's messages above can be edited without touching it. HTML is added by the front end;
# these texts are plain and get escaped like everything else.
MESSAGES.update(
    {
        "tg_start": {
            "zh": "{name}，您好！我只回答一篇报道里的问题：《{newspaper}》{date}《{title}》。"
            "每个数字都附上报道原文。直接发问题给我，或者点下面的例子：",
            "en": "Hello, {name}! I answer questions about one article: {newspaper_en}, {date}, "
            "“{title_en}”. Every figure comes with the article's own words. Ask me anything "
            "about it, or tap an example:",
        },
        "tg_help": {
            "zh": "直接发问题给我，我用报道原文回答，并注明出处。\n"
            "/topics 按话题浏览报道里的内容\n"
            "/source 报道出处和资料版本\n"
            "/ask 问题 在群里提问（也可以 @{username} 或回复我的消息）\n"
            "在任何聊天里输入 @{username} 问题，可以把带出处的答案发给别人。",
            "en": "Send me a question and I answer from the article, citing it.\n"
            "/topics browse what the article covers, by topic\n"
            "/source the article and the knowledge version\n"
            "/ask question in a group (or mention @{username}, or reply to me)\n"
            "Type @{username} question in any chat to share a cited answer.",
        },
        "tg_topics": {
            "zh": "报道里的话题，请选一个：",
            "en": "Topics the article covers. Pick one:",
        },
        "tg_topic_entries": {
            "zh": "“{topic}”方面可以问：",
            "en": "About “{topic}” you can ask:",
        },
        "tg_topic_gone": {
            "zh": "资料已经更新，这个话题没有了。现在的话题：",
            "en": "The knowledge was updated and that topic is gone. The topics now:",
        },
        "tg_back_to_topics": {
            "zh": "« 全部话题",
            "en": "« All topics",
        },
        "tg_source": {
            "zh": "报道：《{newspaper}》{date}\n标题：《{title}》\n资料版本：{version}",
            "en": "Article: {newspaper_en} (《{newspaper}》), {date}\n"
            "Title: “{title_en}” (《{title}》)\nKnowledge version: {version}",
        },
        "tg_ask_usage": {
            "zh": "请把问题写在 /ask 后面，例如：/ask {example}",
            "en": "Put your question after /ask, for example: /ask {example}",
        },
        "tg_mention_usage": {
            "zh": "请把问题写在 @{username} 后面，例如：@{username} {example}",
            "en": "Put your question after @{username}, for example: @{username} {example}",
        },
        "tg_not_text": {
            "zh": "我只能读文字。请把问题打出来发给我。",
            "en": "I can only read text. Please type your question.",
        },
        "tg_too_long": {
            "zh": "问题太长了（最多 {limit} 个字）。请问得简短一些。",
            "en": "That question is too long (at most {limit} characters). Please shorten it.",
        },
        "tg_unknown_command": {
            "zh": "我不认识这个命令。发 /help 看看我能做什么。",
            "en": "I don't know that command. Send /help to see what I can do.",
        },
        "tg_flood": {
            "zh": "您问得太快了，请过一分钟再问。",
            "en": "You are asking faster than I can answer. Please wait a minute.",
        },
        "tg_entry_gone": {
            "zh": "资料已经更新，这个问题没有了。请重新提问，或者试试这些：",
            "en": "The knowledge was updated and that question is gone. "
            "Ask again, or try one of these:",
        },
        "tg_error": {
            "zh": "抱歉，出了点问题，请稍后再试。",
            "en": "Sorry, something went wrong. Please try again in a moment.",
        },
        # Menu commands (set_my_commands): at most 256 characters each.
        "tg_command_start": {"zh": "介绍和例子", "en": "What I know, with examples"},
        "tg_command_help": {"zh": "使用说明", "en": "How to use me"},
        "tg_command_topics": {"zh": "按话题浏览", "en": "Browse by topic"},
        "tg_command_source": {"zh": "报道出处", "en": "The article and knowledge version"},
        "tg_command_ask": {"zh": "提问（群里用）", "en": "Ask a question (in groups)"},
    }
)
