"""What the bot's admins read while changing the knowledge (bot/telegram/admin_knowledge.py,
bot/telegram/admin_unanswered.py): uploads, diffs, rollbacks, history, /unanswered.

Admin-facing, in the admin's language. The problems under a refusal stay as the validator
writes them (``file:line: field: problem``, as ``python -m bot check`` prints them).
"""

KNOWLEDGE_ADMINS: dict[str, dict[str, str]] = {
    "tg_kn_not_admin": {
        "zh": "只有管理员可以更新资料。想提问的话，直接把问题打出来发给我就行。",
        "en": "Only the bot's admins can update its knowledge. To ask a question, just type it.",
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
        "en": "{count} labelled {count:question|questions} answered right now would turn wrong",
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
    # A long list cut short; also the replies (bot/telegram/sending.py) and the reports.
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
}
