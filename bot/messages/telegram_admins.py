"""What the bot's admins read about the question log: /stats, /top, /export, /unhelpful, the
reports behind them and the digest.

``python -m bot report`` prints the English texts of the ``report_*`` messages.
"""

TELEGRAM_ADMINS: dict[str, dict[str, str]] = {
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
    "tg_unhelpful_usage": {
        "zh": "用法：/unhelpful [条数] [天数]。条数为 1 到 {max_count}，默认 {default_count}；"
        "天数为 1 到 {max_days} 或 all，默认 {default_days}。",
        "en": "Usage: /unhelpful [n] [days]. n: 1 to {max_count}, default {default_count}; "
        "days: 1 to {max_days} or all, default {default_days}.",
    },
    # The reports (bot/questionlog/report.py).
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
    # Votes on shared cards have no question to show: /unhelpful lists their entries after
    # the answers, the entries with most 👎 first; {when} is the latest vote, in UTC+8.
    "report_unhelpful_cards_title": {
        "zh": "被点 👎 的分享卡片（内联和访客模式，{period}，👎 最多的在前）",
        "en": "Shared cards (inline and guest) voted 👎, {period} (most 👎 first)",
    },
    "report_unhelpful_card": {
        "zh": "{rank}. {entry}：👎 {down}，👍 {up}，最近一次 {when}",
        "en": "{rank}. {entry}: 👎 {down}, 👍 {up}, last vote {when}",
    },
    # The digest (bot/digest.py).
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
