"""The knowledge admin's messages as HTML, in the admin's language: refusals with their
problems, the review of an upload (what changed, per entry and fact), the state of the files on
disk, and the names and times the history shows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import escape

from telegram import User

from bot.engine.answers import Language
from bot.engine.knowledge import Problem
from bot.engine.render import telegram_length
from bot.knowledge_admin.changes import RELOAD_FROM_DISK, SERVER, SyncResult
from bot.knowledge_admin.diff import Diff, changed_excerpts
from bot.knowledge_admin.errors import ChangeError
from bot.knowledge_admin.history import HistoryVersion
from bot.knowledge_admin.live import COMPLETED_AFTER_INTERRUPTION, LOADED_AT_START
from bot.knowledge_admin.proposals import Proposal
from bot.messages import say
from bot.questionlog.analytics import REPORT_TIMEZONE
from bot.telegram.sending import TEXT_BUDGET, fit_lines

# An alert (the answer to a button) holds at most 200 characters; a name takes at most this.
_NAME_IN_ALERT = 40


def problems_html(head: str, problems: Sequence[str], language: Language) -> str:
    """``head``, then the problems one a line in a preformatted block; escaped, cut to fit."""
    text = escape(head)
    if problems:
        budget = TEXT_BUDGET - telegram_length(head)
        text += "\n<pre>" + escape("\n".join(fit_lines(problems, language, budget))) + "</pre>"
    return text


def refusal_html(error: ChangeError, language: Language) -> str:
    """A refused change: why (its reason worded in ``language``), then its problems."""
    reason = error.reason_in(language)
    head = say("tg_kn_refused", language, reason=reason)
    return problems_html(head, error.problems_in(language), language)


def diff_html(proposal: Proposal, language: Language) -> str:
    """A proposal as an admin reviews it: versions; entries added and removed; per changed
    entry or fact what changed (answers and fields old → new, phrasings added and removed)."""
    diff = proposal.diff
    lines = [
        say(
            "tg_kn_diff_title",
            language,
            file=proposal.file,
            old=proposal.base_version,
            new=proposal.new_version,
        )
    ]
    for key, items in (("tg_kn_diff_added", diff.added), ("tg_kn_diff_removed", diff.removed)):
        if items:
            lines.append(say(key, language, count=str(len(items))))
            lines += [f"  • {item_name(item, language)}" for item in items]
    if diff.changed:
        lines.append(say("tg_kn_diff_changed", language, count=str(len(diff.changed))))
        lines += [f"  • {change_line(diff, item, language)}" for item in diff.changed]
    if diff.empty:
        lines.append(say("tg_kn_diff_empty", language))
    question = say("tg_kn_diff_question", language)
    kept = fit_lines(lines, language, TEXT_BUDGET - telegram_length(question))
    return escape("\n".join([*kept, "", question]))


def item_name(item: str, language: Language) -> str:
    """``entry x`` / ``fact y`` / ``topic z`` / ``lexicon`` of a diff, in ``language``."""
    kind, _, key = item.partition(" ")
    return say(f"tg_kn_kind_{kind}", language, name=key)


def change_line(diff: Diff, item: str, language: Language) -> str:
    """What changed in one entry or fact: ``x：中文答案 50亿元 → 60亿元；新增问法 2 条``."""
    kind, _, key = item.partition(" ")
    changes: list[tuple[str, str, str]] = []
    counts: list[str] = []
    if kind == "entry":
        changes += [(f"answer_{a.language}", a.old, a.new) for a in diff.answers if a.entry == key]
        for entry in diff.entries:
            if entry.entry == key:
                changes += [(f.field, f.old, f.new) for f in entry.fields]
                for count, words in (
                    (entry.phrasings_added, "tg_kn_diff_phrasings_added"),
                    (entry.phrasings_removed, "tg_kn_diff_phrasings_removed"),
                ):
                    if count:
                        counts.append(say(words, language, count=str(count)))
    elif kind == "fact":
        changes += [(f.field, f.old, f.new) for f in diff.fields if f.fact == key]
    parts = []
    for field, old, new in changes:
        old_excerpt, new_excerpt = changed_excerpts(old, new)
        field_name = say(f"tg_kn_field_{field}", language)
        parts.append(
            say("tg_kn_diff_change", language, field=field_name, old=old_excerpt, new=new_excerpt)
        )
    parts += counts
    name = item_name(item, language)
    if not parts:
        return name
    joined = say("tg_kn_diff_separator", language).join(parts)
    return say("tg_kn_diff_item", language, item=name, changes=joined)


def history_html(
    versions: Sequence[HistoryVersion],
    live: str,
    unrecorded: bool,
    since: datetime,
    origin: str,
    language: Language,
) -> str:
    """``/history``: each version once, on its newest row (when, who, how, what it replaced),
    with how often it was live before; an unrecorded live version first."""
    if not versions:
        return escape(say("tg_kn_history_empty", language, version=live))
    newest: dict[str, HistoryVersion] = {}
    earlier: dict[str, int] = {}
    for version in versions:
        if version.version in newest:
            earlier[version.version] = earlier.get(version.version, 0) + 1
        else:
            newest[version.version] = version
    if unrecorded:
        # The unrecorded live version has its own first line.
        earlier.pop(live, None)
        newest.pop(live, None)
    lines = [
        say(
            "tg_kn_history_line",
            language,
            version=name,
            live=say("tg_kn_history_live", language) if name == live else "",
            when=local_time(datetime.fromisoformat(v.applied_at)),
            who=actor_words(v.applied_by, language),
            action=action_words(v.action, language),
            was=say("tg_kn_history_was", language, previous=v.replaced) if v.replaced else "",
        )
        + (
            say("tg_kn_history_earlier", language, count=str(earlier[name]))
            if name in earlier
            else ""
        )
        for name, v in newest.items()
    ]
    if unrecorded:
        # Loaded at start and not changed since: recorded with the next change.
        lines.insert(
            0,
            say(
                "tg_kn_history_unrecorded",
                language,
                version=live,
                when=local_time(since),
                origin=action_words(origin, language),
            ),
        )
    return escape("\n".join([say("tg_kn_history_title", language), *fit_lines(lines, language)]))


# How the history records a change (``KnowledgeEditor``'s actions), as /history words them.
_ACTIONS = (
    (re.compile(r"apply (?P<file>\S+)"), "tg_kn_action_apply"),
    (re.compile(r"rollback from (?P<version>\S+)"), "tg_kn_action_rollback"),
    (re.compile(r"add phrasing to (?P<entry>\S+)"), "tg_kn_action_phrasing"),
    (re.compile(re.escape(RELOAD_FROM_DISK)), "tg_kn_action_reload"),
    (re.compile(re.escape(LOADED_AT_START)), "tg_kn_action_loaded"),
    (re.compile(re.escape(COMPLETED_AFTER_INTERRUPTION)), "tg_kn_action_completed"),
)


def action_words(action: str, language: Language) -> str:
    """A recorded action (``apply faq.yaml``) in ``language``; an unknown one as recorded."""
    for pattern, key in _ACTIONS:
        match = pattern.fullmatch(action)
        if match:
            return say(key, language, **match.groupdict())
    return action


def actor_words(actor: str, language: Language) -> str:
    """Who made a version live: an admin as recorded, the server in ``language``."""
    return say("tg_kn_actor_server", language) if actor == SERVER else actor


def local_time(moment: datetime) -> str:
    """``moment`` as the admins read it: UTC+8, to the minute."""
    return moment.astimezone(REPORT_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def actor_of(user: User) -> str:
    """How an admin is named in the history and the audit table: name and Telegram id."""
    return f"{user.full_name} ({user.id})"


def shorten(name: str, limit: int = _NAME_IN_ALERT) -> str:
    """``name`` cut to ``limit`` characters (with "…"), to fit an alert."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def problems_of(problems: Sequence[Problem]) -> list[str]:
    """Problems as lines, ``file:line: field: problem``."""
    return [str(p) for p in problems]


def disk_problem_html(result: SyncResult, language: Language) -> str:
    """Why the files on disk did not go live: their problems, or the history's disk."""
    if result.failure is not None:
        reason = result.failure.reason_in(language)
        return escape(
            say("tg_kn_disk_unrecorded", language, version=result.version, reason=reason)
        )
    return problems_html(
        say("tg_kn_disk_refused", language, version=result.version),
        problems_of(result.problems),
        language,
    )


def reload_html(result: SyncResult, language: Language) -> str:
    """What ``/reload`` did: the version made live, nothing, or why not."""
    if result.refused or result.failure:
        return disk_problem_html(result, language)
    if result.changed:
        return escape(
            say(
                "tg_kn_reload_changed",
                language,
                version=result.version,
                previous=result.previous,
            )
        )
    return escape(say("tg_kn_reload_unchanged", language, version=result.version))
