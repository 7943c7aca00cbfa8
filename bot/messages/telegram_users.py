"""What Telegram users read: the commands, the cards' votes, asking the editors, guest mode.

HTML is added by the front end (bot/telegram/); these texts are plain and get escaped like
everything else.
"""

TELEGRAM_USERS: dict[str, dict[str, str]] = {
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
    # Menu commands (set_my_commands): at most 256 characters each.
    "tg_command_start": {"zh": "介绍和例子", "en": "What I know, with examples"},
    "tg_command_help": {"zh": "使用说明", "en": "How to use me"},
    "tg_command_topics": {"zh": "按话题浏览", "en": "Browse by topic"},
    "tg_command_source": {"zh": "报道出处", "en": "The article and knowledge version"},
    "tg_command_ask": {"zh": "提问（群里用）", "en": "Ask a question (in groups)"},
    # Votes under the answers and under shared cards (bot/telegram/feedback.py, card_votes.py).
    "tg_feedback_thanks": {"zh": "谢谢反馈", "en": "Thanks"},
    "tg_card_vote_gone": {
        "zh": "资料已经更新，这条回答没有了，无法再评价。",
        "en": "The knowledge was updated and that answer is gone: it can no longer be rated.",
    },
    # Asking the editors, guest mode (bot/telegram/editors.py, bot/telegram/guest.py).
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
        "en": "Write a question about the article after @{username}, e.g. @{username} {example}",
    },
}
