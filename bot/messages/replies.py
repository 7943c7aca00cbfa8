"""The engine's replies, its citations, and the terminal chat's own lines.

Read by everyone who asks, in Telegram or the terminal (bot/engine/, bot/chat.py).
"""

REPLIES: dict[str, dict[str, str]] = {
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
    "premise_not_this": {
        "zh": "这篇报道没有提到这一点。报道里的这个数字说的是另一件事：",
        "en": "The article does not say that. It gives that figure for something else: ",
    },
    "premise_elsewhere": {
        "zh": "\n报道里的这个数字说的是另一件事：",
        "en": "\nThe article gives that figure for something else: ",
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
