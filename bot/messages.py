"""Every piece of user-facing wording, in one place.

Each message has a simplified Chinese and an English text; traditional Chinese is derived
from the simplified text with OpenCC, so the two Chinese versions can never drift apart.
Placeholders use ``str.format`` names. Values put into messages are plain text: renderers
escape them for HTML. English counts agree with their number: ``{count:entry|entries}`` is the
first word when ``count`` is exactly 1 and the second otherwise (Chinese needs no such thing).
"""

from __future__ import annotations

import string
from typing import Any

from bot.engine.answers import Language
from bot.engine.textnorm import to_traditional

MESSAGES: dict[str, dict[str, str]] = {
    # --- the engine's replies ---------------------------------------------------------------
    "no_answer": {
        "zh": "这篇报道没有提到这一点，我不能给出答案。",
        "en": "The article does not say, so I can't answer that.",
    },
    "unsure": {
        "zh": "我不太确定您问的是报道里的哪一点。您是想问下面这些吗？",
        "en": "I'm not sure which part of the article you mean. Did you mean one of these?",
    },
    "unsure_no_guess": {
        "zh": "我不太确定您问的是什么，换个说法试试？可以问报道里的目标、投资、项目和产业。",
        "en": "I'm not sure what you are asking. Could you put it another way? You can ask "
        "about the article's targets, investments, projects and industries.",
    },
    "premise_right": {
        "zh": "对。",
        "en": "Yes. ",
    },
    "premise_wrong": {
        "zh": "不对。报道说的是：",
        "en": "Not quite. The article says: ",
    },
    "part_not_stated": {
        "zh": "“{question}”：报道没有提到。",
        "en": "“{question}”: the article does not say.",
    },
    "part_ambiguous": {
        "zh": "“{question}”：可以指报道里的几件事，请从下面的选项中选择。",
        "en": "“{question}”: this could mean several things in the article; pick one below.",
    },
    "part_unsure": {
        "zh": "“{question}”：我不太确定您指的是什么，请换个说法再问一次。",
        "en": "“{question}”: I'm not sure what you mean; please ask it another way.",
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
    # --- questions declined before the engine (Telegram and the terminal alike) ------------
    "question_too_long": {
        "zh": "问题太长了（最多 {limit} 个字）。请问得简短一些。",
        "en": "That question is too long (at most {limit} characters). Please shorten it.",
    },
    # --- terminal chat ------------------------------------------------------------------------
    "terminal_welcome": {
        "zh": "这里可以就《{newspaper}》{date}《{title}》提问（按 Ctrl-D 退出）。",
        "en": "Ask about {newspaper_en} {date}, “{title_en}” (Ctrl-D to quit).",
    },
    "terminal_goodbye": {
        "zh": "再见！",
        "en": "Goodbye!",
    },
    "unreadable_line": {
        "zh": "第 {line} 行无法读取：不是有效的 {encoding} 文本。",
        "en": "Line {line} could not be read: it is not valid {encoding} text.",
    },
}


class _CountFormatter(string.Formatter):
    """``str.format`` plus the ``{count:one|many}`` spec: the word agreeing with ``count``."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, many = format_spec.split("|", 1)
            # Values arrive as text, thousands separated ("1", "1,204"): only "1" is singular.
            return one if str(value).strip() == "1" else many
        return str(super().format_field(value, format_spec))


_FORMATTER = _CountFormatter()


def say(key: str, language: Language, **values: str) -> str:
    """The message ``key`` in ``language``, with ``values`` filled in."""
    texts = MESSAGES[key]
    if language is Language.ENGLISH:
        return _FORMATTER.format(texts["en"], **values)
    text = _FORMATTER.format(texts["zh"], **values)
    # Values (a title, a name the user typed) are converted along with the template.
    return to_traditional(text) if language is Language.TRADITIONAL else text


def counted(count: int, one: str, many: str) -> str:
    """``1 problem`` / ``3 problems``: an English count with the word agreeing, for the
    command line's own English lines."""
    return f"{count:,} {one if count == 1 else many}"


# === Telegram (bot/telegram/service.py, bot/telegram/keyboards.py) ===========================
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
        # Admins' question-log commands (bot/telegram/admin_stats.py).
        "tg_stats_usage": {
            "zh": "用法：/stats [天数]。例如 /stats 7 看最近 7 天，/stats all 看全部记录。"
            "天数为 1 到 {max_days}，默认 {default_days}。",
            "en": "Usage: /stats [days], e.g. /stats 7 for the last 7 days, /stats all for "
            "the whole log. Days: 1 to {max_days}, default {default_days}.",
        },
        "tg_top_usage": {
            "zh": "用法：/top [条数] [天数]。例如 /top 5 7 看最近 7 天最常问的 5 个条目。"
            "条数为 1 到 {max_count}，默认 {default_count}；天数为 1 到 {max_days} 或 all，"
            "默认 {default_days}。",
            "en": "Usage: /top [n] [days], e.g. /top 5 7 for the 5 entries asked most in the "
            "last 7 days. n: 1 to {max_count}, default {default_count}; days: 1 to {max_days} "
            "or all, default {default_days}.",
        },
        "tg_export_usage": {
            "zh": "用法：/export [天数]。例如 /export 7 导出最近 7 天的问题（CSV），"
            "/export all 导出全部记录。天数为 1 到 {max_days}，默认 {default_days}。",
            "en": "Usage: /export [days], e.g. /export 7 for the questions of the last 7 days "
            "as CSV, /export all for the whole log. Days: 1 to {max_days}, "
            "default {default_days}.",
        },
        "tg_stats_caption": {
            "zh": "问题统计（{period}）：每天的问题数（按结果分）和最常问的条目。",
            "en": "Questions ({period}): per day by outcome, and the entries asked most.",
        },
        "tg_export_caption": {
            "zh": "问题记录（{period}），CSV，UTF-8。含用户化名和问题原文，请妥善保管。",
            "en": "The question log ({period}) as CSV, UTF-8. It holds pseudonymous users and "
            "the questions as asked: keep it safe.",
        },
        "tg_export_too_large": {
            "zh": "导出文件有 {megabytes} MB，超过 Telegram 的 {limit} MB 上限。请少选几天，"
            "或在服务器上运行 python -m bot report --csv 文件名。",
            "en": "The export is {megabytes} MB, over Telegram's {limit} MB limit. Choose fewer "
            "days, or run python -m bot report --csv FILE on the server.",
        },
        "tg_stats_chart_failed": {
            "zh": "统计图没能发出（Telegram 回复：{reason}），上面的数字不受影响。请稍后再试。",
            "en": "The chart could not be sent (Telegram said: {reason}); the figures above "
            "stand. Try again in a moment.",
        },
        "tg_export_failed": {
            "zh": "导出文件没能发出（Telegram 回复：{reason}）。请稍后再试，或者少选几天。",
            "en": "The export could not be sent (Telegram said: {reason}). Try again in a "
            "moment, or choose fewer days.",
        },
        # Menu commands (set_my_commands): at most 256 characters each.
        "tg_command_start": {"zh": "介绍和例子", "en": "What I know, with examples"},
        "tg_command_help": {"zh": "使用说明", "en": "How to use me"},
        "tg_command_topics": {"zh": "按话题浏览", "en": "Browse by topic"},
        "tg_command_source": {"zh": "报道出处", "en": "The article and knowledge version"},
        "tg_command_ask": {"zh": "提问（群里用）", "en": "Ask a question (in groups)"},
    }
)

# --- Telegram: admins updating the knowledge (bot/telegram/admin_knowledge.py) ------------
# Admin-facing, in the admin's language. The problems under a refusal stay as the validator
# writes them (``file:line: field: problem``, as ``python -m bot check`` prints them).
MESSAGES.update(
    {
        "tg_kn_not_admin": {
            "zh": "只有管理员可以更新资料。想提问的话，直接把问题打出来发给我就行。",
            "en": "Only the bot's admins can update its knowledge. To ask a question, just "
            "type it.",
        },
        "tg_kn_refused": {
            "zh": "没有采用，资料没有任何改动。原因：{reason}",
            "en": "Refused; nothing was changed. Reason: {reason}",
        },
        # Why a change was refused (bot.knowledge_admin.errors.ChangeError's reason codes),
        # shown after "Reason:"; the English text is also what the process log says.
        "tg_kn_reason_no_name": {
            "zh": "文件没有名字；请发送 facts.yaml 或 faq.yaml。",
            "en": "the file has no name; send facts.yaml or faq.yaml.",
        },
        "tg_kn_reason_download_failed": {
            "zh": "文件下载失败。请再发一次。",
            "en": "could not download the file. Please send it again.",
        },
        "tg_kn_reason_too_big": {
            "zh": "{file} 有 {size} 字节，上限是 {limit} 字节。",
            "en": "{file} is {size} bytes; the limit is {limit}.",
        },
        "tg_kn_reason_not_a_file_name": {
            "zh": "“{name}”不是资料文件的名字。",
            "en": "“{name}” is not a knowledge file name",
        },
        "tg_kn_reason_not_editable": {
            "zh": "只能上传 {files}，不能上传“{name}”。",
            "en": "only {files} can be uploaded, not “{name}”",
        },
        "tg_kn_reason_not_utf8": {
            "zh": "{file} 不是 UTF-8 文本（第 {byte} 个字节）。",
            "en": "{file} is not UTF-8 text (byte {byte})",
        },
        "tg_kn_reason_problems": {
            "zh": "{file} 有 {count} 处问题：",
            "en": "{file} has {count} {count:problem|problems}",
        },
        "tg_kn_reason_regressions": {
            "zh": "{count} 个现在答对的标注问题会变成答错：",
            "en": "{count} labelled {count:question|questions} answered right now would turn "
            "wrong",
        },
        # One labelled question the change would turn wrong, under tg_kn_reason_regressions;
        # {status} and {expected} are report_status_* words.
        "tg_kn_regression": {"zh": "{question} — {why}", "en": "{question} — {why}"},
        "tg_kn_regression_lacks": {
            "zh": "答案里没有 {missing}",
            "en": "answer lacks {missing}",
        },
        "tg_kn_regression_not_answered": {
            "zh": "结果是“{status}”，应该回答",
            "en": "{status}, expected an answer",
        },
        "tg_kn_regression_answered": {
            "zh": "会用 {entry} 回答，应该是“{expected}”",
            "en": "answered ({entry}), expected {expected}",
        },
        "tg_kn_regression_status": {
            "zh": "结果是“{status}”，应该是“{expected}”",
            "en": "{status}, expected {expected}",
        },
        "tg_kn_reason_no_entry": {
            "zh": "条目 {entry} 已经不存在了。",
            "en": "there is no entry {entry} any more",
        },
        "tg_kn_reason_already_phrasing": {
            "zh": "“{phrasing}”已经是 {entry} 的问法了。",
            "en": "“{phrasing}” is already a phrasing of {entry}",
        },
        "tg_kn_reason_disk_edited_invalid": {
            "zh": "服务器上的资料文件被改过而且有问题，要先修好（或回滚）：",
            "en": "the knowledge files on the server were edited and have problems; they "
            "must be fixed (or rolled back) first",
        },
        "tg_kn_reason_stale": {
            "zh": "检查之后资料已经变了；请重新上传。",
            "en": "the knowledge changed since this upload was checked; upload it again",
        },
        "tg_kn_reason_no_earlier": {
            "zh": "没有更早的版本可以回滚。",
            "en": "there is no earlier version to roll back to",
        },
        "tg_kn_reason_no_longer_validates": {
            "zh": "版本 {version} 已经通不过检查：",
            "en": "version {version} no longer validates",
        },
        "tg_kn_reason_storage_full": {
            "zh": "磁盘已满（{folder}）。请腾出空间后再试。",
            "en": "the disk is full ({folder}). Free some space and try again.",
        },
        "tg_kn_reason_storage_read_only": {
            "zh": "磁盘是只读的（{folder}）。",
            "en": "the disk is read-only ({folder}).",
        },
        "tg_kn_reason_storage_not_allowed": {
            "zh": "机器人没有写入 {folder} 的权限。",
            "en": "the bot is not allowed to write to {folder}.",
        },
        "tg_kn_reason_storage_failed": {
            "zh": "写入 {folder} 失败（{detail}）。",
            "en": "writing to {folder} failed ({detail}).",
        },
        "tg_kn_diff_title": {
            "zh": "{file} 检查通过。版本 {old} → {new}",
            "en": "{file} passed every check. Version {old} → {new}",
        },
        "tg_kn_diff_added": {"zh": "新增（{count}）：", "en": "Added ({count}):"},
        "tg_kn_diff_removed": {"zh": "删除（{count}）：", "en": "Removed ({count}):"},
        "tg_kn_diff_changed": {"zh": "修改（{count}）：", "en": "Changed ({count}):"},
        # One changed entry or fact: "noodle-target-2024：中文答案 50亿元 → 60亿元；新增问法 2 条".
        "tg_kn_diff_item": {"zh": "{item}：{changes}", "en": "{item}: {changes}"},
        "tg_kn_diff_separator": {"zh": "；", "en": "; "},
        "tg_kn_diff_change": {"zh": "{field} {old} → {new}", "en": "{field} {old} → {new}"},
        "tg_kn_diff_phrasings_added": {
            "zh": "新增问法 {count} 条",
            "en": "{count} {count:phrasing|phrasings} added",
        },
        "tg_kn_diff_phrasings_removed": {
            "zh": "删除问法 {count} 条",
            "en": "{count} {count:phrasing|phrasings} removed",
        },
        "tg_kn_kind_entry": {"zh": "条目 {name}", "en": "entry {name}"},
        "tg_kn_kind_fact": {"zh": "事实 {name}", "en": "fact {name}"},
        "tg_kn_kind_topic": {"zh": "话题 {name}", "en": "topic {name}"},
        "tg_kn_kind_lexicon": {"zh": "词表（lexicon.yaml）", "en": "the lexicon (lexicon.yaml)"},
        "tg_kn_field_answer_zh": {"zh": "中文答案", "en": "answer (zh)"},
        "tg_kn_field_answer_en": {"zh": "英文答案", "en": "answer (en)"},
        "tg_kn_field_topic": {"zh": "话题", "en": "topic"},
        "tg_kn_field_kind": {"zh": "类型", "en": "kind"},
        "tg_kn_field_facts": {"zh": "引用的事实", "en": "facts"},
        "tg_kn_field_related": {"zh": "相关条目", "en": "related"},
        "tg_kn_field_value": {"zh": "数值", "en": "value"},
        "tg_kn_field_value_en": {"zh": "英文数值", "en": "value (en)"},
        "tg_kn_field_period": {"zh": "时期", "en": "period"},
        "tg_kn_field_period_en": {"zh": "英文时期", "en": "period (en)"},
        "tg_kn_field_subject": {"zh": "主体", "en": "subject"},
        "tg_kn_field_subject_en": {"zh": "英文主体", "en": "subject (en)"},
        "tg_kn_field_measure": {"zh": "指标", "en": "measure"},
        "tg_kn_field_measure_en": {"zh": "英文指标", "en": "measure (en)"},
        "tg_kn_field_quote": {"zh": "引文", "en": "quote"},
        "tg_kn_field_source": {"zh": "出处", "en": "source"},
        "tg_kn_diff_empty": {
            "zh": "条目和数字都没有变化（只改了格式或注释）。",
            "en": "No entry or figure changes (layout or comments only).",
        },
        "tg_kn_diff_question": {
            "zh": "应用前会再确认一次资料没有被别人改过。应用还是取消？",
            "en": "Applying checks once more that nobody changed the knowledge meanwhile. "
            "Apply or cancel?",
        },
        "tg_more": {"zh": "……还有 {count} 项", "en": "… and {count} more"},
        "tg_kn_identical": {
            "zh": "{file} 和正在使用的版本 {version} 完全一样，不需要应用。",
            "en": "{file} is identical to the live version {version}; nothing to apply.",
        },
        "tg_kn_button_apply": {"zh": "✅ 应用", "en": "✅ Apply"},
        "tg_kn_button_cancel": {"zh": "✖ 取消", "en": "✖ Cancel"},
        "tg_kn_applied": {
            "zh": "已应用 {file}：版本 {version} 已上线（之前是 {previous}）。"
            "上一版保存在历史里，/rollback 可以恢复。",
            "en": "Applied {file}: version {version} is live (was {previous}). The previous "
            "version is kept; /rollback restores it.",
        },
        "tg_kn_cancelled": {
            "zh": "已取消，资料没有改动。",
            "en": "Cancelled; nothing was changed.",
        },
        "tg_kn_expired": {
            "zh": "这次上传已经过期或者处理过了，资料没有改动。需要的话请重新发送文件。",
            "en": "This upload has expired or was already handled; nothing was changed. Send "
            "the file again if needed.",
        },
        "tg_kn_not_uploader": {
            "zh": "这次上传是 {uploader} 发的，只有他本人可以应用或取消。"
            "要改资料的话，请自己发送文件。",
            "en": "This upload is {uploader}'s: only they can apply or cancel it. To change "
            "the knowledge, send the file yourself.",
        },
        "tg_kn_list_expired": {
            "zh": "这个列表已经过期或者处理过了。请重新发 /unanswered。",
            "en": "This list has expired or was already handled. Send /unanswered again.",
        },
        "tg_kn_reload_changed": {
            "zh": "已重新加载：版本 {version} 已上线（之前是 {previous}）。",
            "en": "Reloaded: version {version} is live (was {previous}).",
        },
        "tg_kn_reload_unchanged": {
            "zh": "磁盘上的资料没有变化，正在使用版本 {version}。",
            "en": "The knowledge on disk is unchanged; version {version} is live.",
        },
        "tg_kn_disk_refused": {
            "zh": "磁盘上的资料有问题，没有采用；仍在用版本 {version} 回答。问题：",
            "en": "The knowledge on disk has problems and was not loaded; still answering "
            "from version {version}. Problems:",
        },
        "tg_kn_disk_fixed": {
            "zh": "磁盘上的资料已经修好：版本 {version} 已上线。",
            "en": "The knowledge on disk is fixed: version {version} is live.",
        },
        "tg_kn_disk_unrecorded": {
            "zh": "磁盘上的资料改动检查通过，但没能记入历史，所以没有采用；仍在用版本 {version} "
            "回答。原因：{reason}",
            "en": "The edit of the knowledge on disk is valid but could not be recorded in the "
            "history, so it is not live; still answering from version {version}. Reason: "
            "{reason}",
        },
        "tg_kn_rolled_back": {
            "zh": "已回滚：版本 {version} 已上线（之前是 {previous}）。",
            "en": "Rolled back: version {version} is live (was {previous}).",
        },
        "tg_kn_history_title": {
            "zh": "资料版本，最新的在前（时间为北京时间）：",
            "en": "Knowledge versions, newest first (times in UTC+8):",
        },
        "tg_kn_history_line": {
            "zh": "{version}{live} · {when} · {who} · {action}{was}",
            "en": "{version}{live} · {when} · {who} · {action}{was}",
        },
        "tg_kn_history_live": {"zh": "（使用中）", "en": " (live)"},
        "tg_kn_history_was": {"zh": "（之前是 {previous}）", "en": " (was {previous})"},
        "tg_kn_history_earlier": {
            "zh": "（此前还上线过 {count} 次）",
            "en": " (also live {count} {count:time|times} before)",
        },
        "tg_kn_history_unrecorded": {
            "zh": "{version}（使用中）· {when} · {origin}（下次改动时记入历史）",
            "en": "{version} (live) · {when} · {origin} (recorded with the next change)",
        },
        "tg_kn_action_apply": {"zh": "应用 {file}", "en": "apply {file}"},
        "tg_kn_action_rollback": {"zh": "从 {version} 回滚", "en": "rollback from {version}"},
        "tg_kn_action_phrasing": {"zh": "给 {entry} 加问法", "en": "add phrasing to {entry}"},
        "tg_kn_action_reload": {"zh": "从磁盘重新加载", "en": "reload from disk"},
        "tg_kn_action_loaded": {"zh": "启动时加载", "en": "loaded at start"},
        "tg_kn_action_completed": {
            "zh": "中断后补完",
            "en": "completed after an interruption",
        },
        "tg_kn_actor_server": {"zh": "服务器", "en": "server"},
        "tg_kn_history_empty": {
            "zh": "还没有记录的版本。正在使用版本 {version}。",
            "en": "No versions recorded yet. Version {version} is live.",
        },
        "tg_kn_unanswered_title": {
            "zh": "没能回答的问题（{period}，相似的合并为一组）：",
            "en": "Questions not answered ({period}; similar ones grouped):",
        },
        "tg_kn_unanswered_group": {
            "zh": "{rank}. {count} 次：{example}",
            "en": "{rank}. {count}×: {example}",
        },
        "tg_kn_unanswered_nearest": {
            "zh": "   最接近的条目：{entry}（{question}）",
            "en": "   nearest entry: {entry} ({question})",
        },
        "tg_kn_unanswered_none": {
            "zh": "没有没能回答的问题（{period}）。",
            "en": "No unanswered questions ({period}).",
        },
        "tg_kn_unanswered_usage": {
            "zh": "用法：/unanswered [组数] [天数]。例如 /unanswered 5 7 看最近 7 天最多的 5 组"
            "没能回答的问题。组数为 1 到 {max_count}，默认 {default_count}；天数默认 "
            "{default_days}，all 看全部记录。",
            "en": "Usage: /unanswered [n] [days], e.g. /unanswered 5 7 for the 5 biggest groups "
            "of unanswered questions of the last 7 days. n: 1 to {max_count}, default "
            "{default_count}; days: default {default_days}, all for the whole log.",
        },
        "tg_kn_button_add": {
            "zh": "{rank}. ➕ 加为“{question}”的问法",
            "en": "{rank}. ➕ phrasing of “{question}”",
        },
        "tg_kn_unanswered_not_offered": {
            "zh": "   （加为它的问法通不过回归检查，所以没有 ➕ 按钮）",
            "en": "   (as its phrasing it would fail the regression gate, so there is no ➕)",
        },
        "tg_kn_offers_withdrawn": {
            "zh": "这个列表的 ➕ 按钮都已撤下；请重新发 /unanswered。",
            "en": "This list's ➕ buttons are withdrawn; send /unanswered again.",
        },
        "tg_kn_button_dismiss": {"zh": "{rank}. 忽略", "en": "{rank}. Dismiss"},
        "tg_kn_phrasing_added": {
            "zh": "已把“{phrasing}”加为条目 {entry} 的问法：版本 {version} 已上线"
            "（之前是 {previous}）。",
            "en": "Added “{phrasing}” as a phrasing of entry {entry}: version {version} is "
            "live (was {previous}).",
        },
        "tg_kn_dismissed": {
            "zh": "已忽略：“{phrasing}”这一组不再出现在 /unanswered 里。",
            "en": "Dismissed: the group of “{phrasing}” no longer shows in /unanswered.",
        },
        "tg_kn_no_log": {
            "zh": "问题日志没有开启，没有可以看的记录。",
            "en": "The question log is not enabled, so there is nothing to show.",
        },
    }
)


# --- the admins' reports: /stats, /top, /unhelpful (bot/questionlog/report.py) -------------
# ``python -m bot report`` prints the English texts.
MESSAGES.update(
    {
        "report_period_all": {"zh": "全部记录", "en": "all time"},
        "report_period_day": {"zh": "最近 1 天", "en": "last day"},
        "report_period_days": {"zh": "最近 {days} 天", "en": "last {days} days"},
        "report_no_questions": {
            "zh": "没有人提问（{period}）。",
            "en": "No questions asked ({period}).",
        },
        "report_stats_title": {
            "zh": "问题（{period}）：{total} 个，来自 {users} 位用户",
            "en": "Questions, {period}: {total} from {users} {users:user|users}",
        },
        "report_status_answered": {"zh": "已回答", "en": "answered"},
        "report_status_ambiguous": {"zh": "有歧义", "en": "ambiguous"},
        "report_status_no_answer": {"zh": "没能回答", "en": "declined"},
        "report_status_smalltalk": {"zh": "闲聊", "en": "small talk"},
        "report_counts": {"zh": "{title}：{counts}", "en": "{title}: {counts}"},
        "report_languages": {"zh": "语言", "en": "Languages"},
        "report_language_simplified": {"zh": "简体中文", "en": "Simplified Chinese"},
        "report_language_traditional": {"zh": "繁体中文", "en": "Traditional Chinese"},
        "report_language_english": {"zh": "英文", "en": "English"},
        "report_chats": {"zh": "聊天", "en": "Chats"},
        "report_channel_private": {"zh": "私聊", "en": "private"},
        "report_channel_group": {"zh": "群组", "en": "group"},
        "report_channel_supergroup": {"zh": "超级群组", "en": "supergroup"},
        "report_channel_channel": {"zh": "频道", "en": "channel"},
        "report_channel_inline": {"zh": "内联", "en": "inline"},
        "report_channel_terminal": {"zh": "终端", "en": "terminal"},
        "report_busiest": {
            "zh": "最忙的时段（{zone}）：{hours}",
            "en": "Busiest hours ({zone}): {hours}",
        },
        "report_votes_none": {
            "zh": "投票：还没有（答案下面的 👍/👎）",
            "en": "Votes: none yet (👍/👎 under the answers)",
        },
        "report_votes_title": {"zh": "各条目的投票：", "en": "Votes per entry:"},
        "report_top_none": {
            "zh": "没有回答过的问题（{period}）。",
            "en": "No answered questions ({period}).",
        },
        "report_top_title": {
            "zh": "最常问的条目（{period}）",
            "en": "Most asked entries, {period}",
        },
        # The /stats chart (bot/questionlog/chart.py); its title is report_stats_title.
        "chart_per_day": {
            "zh": "每天的问题数（北京时间），按结果分",
            "en": "Questions per day (UTC+8) by status",
        },
        "chart_questions": {"zh": "问题数", "en": "questions"},
        "chart_no_questions": {"zh": "这段时间没有问题", "en": "No questions in this period"},
        "chart_top_entries": {"zh": "最常问的条目", "en": "Top entries"},
        "chart_answered": {"zh": "回答的问题数", "en": "questions answered"},
        "chart_no_answered": {"zh": "没有回答过的问题", "en": "No answered questions"},
        "report_unhelpful_none": {
            "zh": "没有被点 👎 的回答（{period}）。",
            "en": "No answers voted 👎 ({period}).",
        },
        "report_unhelpful_title": {
            "zh": "被点 👎 的回答（{period}，最新的在前）",
            "en": "Answers voted 👎, {period} (newest first)",
        },
    }
)


# === Feedback and the digest (bot/telegram/feedback.py, bot/digest.py) ======================
MESSAGES.update(
    {
        "tg_feedback_thanks": {"zh": "谢谢反馈", "en": "Thanks"},
        "tg_card_vote_gone": {
            "zh": "资料已经更新，这条回答没有了，无法再评价。",
            "en": "The knowledge was updated and that answer is gone: it can no longer be rated.",
        },
        "tg_unhelpful_usage": {
            "zh": "用法：/unhelpful [条数] [天数]。条数为 1 到 {max_count}，默认 {default_count}；"
            "天数为 1 到 {max_days} 或 all，默认 {default_days}。",
            "en": "Usage: /unhelpful [n] [days]. n: 1 to {max_count}, default {default_count}; "
            "days: 1 to {max_days} or all, default {default_days}.",
        },
        "tg_kn_evidence_title": {
            "zh": "用户点过的“您是想问”选项（可一键加为问法）：",
            "en": "Did-you-mean choices users tapped (add as a phrasing in one tap):",
        },
        "tg_kn_evidence_item": {
            "zh": "{rank}. “{question}” → {entry}（点了 {taps} 次）",
            "en": "{rank}. “{question}” → {entry} (tapped {taps}×)",
        },
        "tg_kn_button_evidence": {
            "zh": "{rank}. ➕ 把“{question}”加为 {entry} 的问法（点了 {taps} 次）",
            "en": "{rank}. ➕ add “{question}” as a phrasing of {entry} (tapped {taps}×)",
        },
        "digest_title_daily": {
            "zh": "问答机器人日报（截至 {until}）",
            "en": "The bot's daily digest (to {until})",
        },
        "digest_title_weekly": {
            "zh": "问答机器人周报（{since} 至 {until}）",
            "en": "The bot's weekly digest ({since} to {until})",
        },
        "digest_questions": {
            "zh": "问题 {total} 个，来自 {users} 位用户；回答了 {answered} 个（{rate}）。",
            "en": "{total} {total:question|questions} from {users} {users:user|users}; {answered} "
            "answered ({rate}).",
        },
        "digest_no_questions": {"zh": "这段时间没有人提问。", "en": "Nobody asked anything."},
        "digest_unanswered_head": {
            "zh": "没能回答最多的问题（/unanswered 可处理）：",
            "en": "Most asked of the unanswered (deal with them in /unanswered):",
        },
        "digest_unanswered_item": {
            "zh": "{rank}. {count} 次：{example}",
            "en": "{rank}. {count}×: {example}",
        },
        "digest_unhelpful_head": {
            "zh": "被点 👎 的条目（/unhelpful 看问题）：",
            "en": "Entries voted 👎 (the questions: /unhelpful):",
        },
        "digest_unhelpful_item": {
            "zh": "{entry}：👎 {down}，👍 {up}",
            "en": "{entry}: 👎 {down}, 👍 {up}",
        },
        "digest_all_helpful": {"zh": "没有回答被点 👎。", "en": "No answer was voted 👎."},
    }
)

# === Asking the editors, guest mode (bot/telegram/editors.py, bot/telegram/guest.py) =========
MESSAGES.update(
    {
        "tg_ed_button": {"zh": "问问编辑", "en": "Ask the editors"},
        "tg_ed_sent": {
            "zh": "已把您的问题转给编辑，编辑回复后我会转告您。",
            "en": "Your question went to the editors; I'll pass on their reply.",
        },
        "tg_ed_already_sent": {
            "zh": "这个问题已经转给编辑了。",
            "en": "This question has already gone to the editors.",
        },
        "tg_ed_unavailable": {
            "zh": "暂时联系不上编辑，请稍后再试。",
            "en": "The editors cannot be reached just now; please try again later.",
        },
        "tg_ed_notice": {
            "zh": "读者 {name} 问编辑：\n{question}\n\n直接回复这条消息，回复会转给读者。",
            "en": "{name} asks the editors:\n{question}\n\nReply to this message to answer them.",
        },
        "tg_ed_reply": {"zh": "编辑回复：{reply}", "en": "The editors reply: {reply}"},
        "tg_ed_delivered": {"zh": "已转给读者。", "en": "Delivered to the reader."},
        "tg_ed_blocked": {
            "zh": "没能送达：读者屏蔽了机器人（或已注销）。",
            "en": "Not delivered: the reader blocked the bot (or is gone).",
        },
        "tg_ed_closed": {
            "zh": "没能送达：这个问题已经有人回复，或已超过 {days} 天。",
            "en": "Not delivered: this question was already answered, or is over {days} "
            "{days:day|days} old.",
        },
        "tg_ed_reader": {"zh": "一位读者", "en": "A reader"},
        "tg_ed_stats": {
            "zh": "问编辑：{requests} 次（已送达回复 {answered} 次）",
            "en": "Asked the editors: {requests} (replies delivered: {answered})",
        },
        "tg_guest_usage": {
            "zh": "在 @{username} 后面写上关于这篇报道的问题，例如：@{username} {example}",
            "en": "Write a question about the article after @{username}, e.g. @{username} "
            "{example}",
        },
    }
)
