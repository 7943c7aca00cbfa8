"""Hot reload, uploads, the regression gate, atomic apply, history and rollback."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.engine.answers import Answer, Language, Status
from bot.engine.evaluation import LabelledQuestion
from bot.knowledge_admin.changes import KnowledgeEditor
from bot.knowledge_admin.diff import changed_excerpts
from bot.knowledge_admin.errors import ChangeError
from bot.knowledge_admin.live import LiveEngine
from bot.knowledge_admin.proposals import (
    Phrasing,
    Proposal,
    _insert_phrasing,
    check_file_name,
    why_wrong,
)
from tests.engine.conftest import FACTS, FAQ

QUESTIONS = """\
- q: 重庆小面明年营收目标是多少
  category: direct
  split: tune
  expect: answered
  figures: ["200亿元"]
"""


@pytest.fixture
def live(small_knowledge: Path) -> LiveEngine:
    """A live engine over the small knowledge, with one labelled question."""
    (small_knowledge / "questions.yaml").write_text(QUESTIONS, encoding="utf-8")
    return LiveEngine.load(small_knowledge)


@pytest.fixture
def editor(live: LiveEngine, tmp_path: Path) -> KnowledgeEditor:
    """An editor keeping history in a temporary folder."""
    return KnowledgeEditor(live, tmp_path / "history", max_bytes=1_000_000)


def test_reload_swaps_in_valid_edits_and_records_them(editor: KnowledgeEditor) -> None:
    """A valid edit on disk becomes live on reload, under a new version kept in the history."""
    live = editor.live
    before = live.current.version
    assert not editor.sync().changed
    faq = FAQ.replace("大渡口力促今年重庆小面产业营收50亿元以上。", "今年目标：营收50亿元以上。")
    (live.directory / "faq.yaml").write_text(faq, encoding="utf-8")
    result = editor.sync()
    assert result.changed
    assert (result.previous, result.version) == (before, live.current.version)
    assert live.current.version != before
    assert live.current.ask("重庆小面今年营收目标是多少").text == "今年目标：营收50亿元以上。"
    assert [(v.version, v.applied_by, v.action, v.replaced) for v in editor.versions()] == [
        (live.current.version, "server", "reload from disk", before),
        (before, "server", "loaded at start", None),
    ]


def test_invalid_edit_never_replaces_good_knowledge(editor: KnowledgeEditor) -> None:
    """A broken file on disk is refused; answers keep coming from the last good version."""
    live = editor.live
    good = live.current
    (live.directory / "facts.yaml").write_text(FACTS + "- id: [broken\n", encoding="utf-8")
    result = editor.sync()
    assert result.refused
    assert str(result.problems[0]).startswith("facts.yaml:36: file: YAML syntax")
    assert live.current is good
    assert editor.should_report(result)
    assert not editor.should_report(editor.sync(force=True))  # the same problems, told once
    assert editor.versions() == []


def test_question_in_flight_keeps_its_version(editor: KnowledgeEditor) -> None:
    """An engine taken for a question stays whole while a reload swaps another one in."""
    live = editor.live
    in_flight = live.current
    (live.directory / "faq.yaml").write_text(FAQ.replace("50亿元以上。", "50亿元以上！"), "utf-8")
    editor.sync()
    assert in_flight is not live.current
    assert in_flight.ask("重庆小面今年营收目标是多少").text.endswith("。")


@pytest.mark.parametrize("name", ["../facts.yaml", "/etc/passwd", ".faq.yaml", "x.yaml", "a b"])
def test_file_names_like_paths_are_refused(name: str) -> None:
    """Only the editable knowledge files' bare names are accepted."""
    with pytest.raises(ChangeError):
        check_file_name(name)


def test_proposal_shows_changed_fact_fields(editor: KnowledgeEditor) -> None:
    """A valid upload is summarised as a diff with each changed fact field old → new."""
    facts = FACTS.replace("value: 65亿元", "value: 65亿元打造").replace(
        "value_en: 6.5 billion yuan", "value_en: 6.5 billion yuan invested"
    )
    proposal = editor.propose("facts.yaml", facts.encode())
    assert [(f.fact, f.field, f.old, f.new) for f in proposal.diff.fields] == [
        ("huashao-investment", "value", "65亿元", "65亿元打造"),
        ("huashao-investment", "value_en", "6.5 billion yuan", "6.5 billion yuan invested"),
    ]
    assert proposal.diff.changed == ("fact huashao-investment",)


def test_meaning_changes_without_new_figures_are_in_the_diff(editor: KnowledgeEditor) -> None:
    """A negated answer and a target turned achievement show old → new, per language."""
    negated = FAQ.replace(
        "zh: 大渡口力促今年重庆小面产业营收50亿元以上。",
        "zh: 大渡口力促今年重庆小面产业营收50亿元以上，该目标已经取消。",
    ).replace("(50亿元以上) this year.", "(50亿元以上) this year; the target was dropped.")
    diff = editor.propose("faq.yaml", negated.encode()).diff
    assert [(a.entry, a.language, a.new.split("以上")[-1]) for a in diff.answers] == [
        ("noodle-revenue-target", "zh", "，该目标已经取消。"),
        ("noodle-revenue-target", "en", ") this year; the target was dropped."),
    ]
    assert diff.fields == ()
    achieved = FACTS.replace("  kind: target\n", "  kind: achieved\n", 1)
    diff = editor.propose("facts.yaml", achieved.encode()).diff
    assert [(f.fact, f.field, f.old, f.new) for f in diff.fields] == [
        ("noodle-revenue-target-2023", "kind", "target", "achieved")
    ]


def test_long_answers_are_cut_to_what_changed() -> None:
    """A long answer's excerpt keeps the changed words and some context, marked with …."""
    old = "甲" * 100 + "目标是50亿元以上" + "乙" * 100
    new = "甲" * 100 + "目标已经取消" + "乙" * 100
    # The shared 目标 is context too: three characters before the first that differs.
    assert changed_excerpts(old, new, context=3) == (
        "…甲目标是50亿元以上乙乙乙…",
        "…甲目标已经取消乙乙乙…",
    )
    assert changed_excerpts("短", "短句") == ("短", "短句")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"- id: [broken\n", "problem"),
        (b'a: &a ["x","x"]\nb: [*a,*a]\n', "problem"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"#" * 10_000_000, "limit"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_changes(
    editor: KnowledgeEditor, content: bytes, message: str
) -> None:
    """Syntax errors, alias bombs, non-UTF-8 and huge files are refused; disk is untouched."""
    before = (editor.directory / "facts.yaml").read_bytes()
    with pytest.raises(ChangeError, match=message):
        editor.propose("facts.yaml", content)
    assert (editor.directory / "facts.yaml").read_bytes() == before


def test_regression_gate_refuses_turning_right_answers_wrong(editor: KnowledgeEditor) -> None:
    """An upload that would make a right labelled answer wrong is refused with the list."""
    faq = FAQ.replace("明年重庆小面产业营收力争达到200亿元。", "明年重庆小面产业营收力争翻番。")
    with pytest.raises(ChangeError) as refused:
        editor.propose("faq.yaml", faq.encode())
    assert "would turn wrong" in refused.value.message
    assert refused.value.problems == ["重庆小面明年营收目标是多少 — answer lacks 200亿元"]
    assert refused.value.problems_in(Language.SIMPLIFIED) == [
        "重庆小面明年营收目标是多少 — 答案里没有 200亿元"
    ]


def test_regression_lines_say_how_an_answer_turned_wrong_in_either_language() -> None:
    """Each way of turning wrong is worded for an English and a Chinese admin alike."""

    def reply(status: Status, text: str = "", entry: str | None = None) -> Answer:
        return Answer("q", status, text, Language.SIMPLIFIED, entry_id=entry)

    wants_answer = LabelledQuestion("q", "direct", "tune", "answered", figures=("200亿元",))
    wants_decline = LabelledQuestion("q", "out_of_scope", "tune", "no_answer")
    wants_smalltalk = LabelledQuestion("q", "smalltalk", "tune", "smalltalk")
    cases = [
        (
            reply(Status.ANSWERED, "营收翻番"),
            wants_answer,
            "answer lacks 200亿元",
            "答案里没有 200亿元",
        ),
        (
            reply(Status.NO_ANSWER),
            wants_answer,
            "declined, expected an answer",
            "结果是“没能回答”，应该回答",
        ),
        (
            reply(Status.ANSWERED, "x", "noodle"),
            wants_decline,
            "answered (noodle), expected declined",
            "会用 noodle 回答，应该是“没能回答”",
        ),
        (
            reply(Status.AMBIGUOUS),
            wants_smalltalk,
            "ambiguous, expected small talk",
            "结果是“有歧义”，应该是“闲聊”",
        ),
    ]
    for answer, label, english, chinese in cases:
        why = why_wrong(answer, label)
        assert (why, why.in_language(Language.SIMPLIFIED)) == (english, chinese)


def test_apply_writes_atomically_keeps_history_and_swaps(editor: KnowledgeEditor) -> None:
    """Apply writes the file, keeps both versions in history, and the new one answers."""
    old_version = editor.live.current.version
    faq = FAQ.replace("重庆华韶智算中心投资65亿元。", "华韶智算中心：投资65亿元。")
    applied = editor.apply(editor.propose("faq.yaml", faq.encode()), "admin 42")
    assert (editor.directory / "faq.yaml").read_text(encoding="utf-8") == faq
    assert editor.live.current.version == applied.version != old_version
    assert editor.live.current.ask("华韶智算中心投资多少").text == "华韶智算中心：投资65亿元。"
    assert [(v.version, v.applied_by, v.action) for v in editor.versions()] == [
        (applied.version, "admin 42", "apply faq.yaml"),
        (old_version, "server", "loaded at start"),
    ]
    assert not list(editor.directory.glob(".*.tmp"))


def test_rollback_restores_the_previous_version(editor: KnowledgeEditor) -> None:
    """Rollback brings back the version live before the last apply, and then the one before."""
    first = editor.live.current.version
    faq_b = FAQ.replace("重庆华韶智算中心投资65亿元。", "B：投资65亿元。")
    second = editor.apply(editor.propose("faq.yaml", faq_b.encode()), "a").version
    faq_c = FAQ.replace("重庆华韶智算中心投资65亿元。", "C：投资65亿元。")
    editor.apply(editor.propose("faq.yaml", faq_c.encode()), "a")
    assert editor.rollback("b").version == second
    assert editor.rollback("b").version == first
    assert editor.live.current.version == first
    assert (editor.directory / "faq.yaml").read_text(encoding="utf-8") == FAQ
    with pytest.raises(ChangeError, match="no earlier version"):
        editor.rollback("b")


def test_two_admins_applying_at_once(editor: KnowledgeEditor) -> None:
    """Of two proposals made against one version, the second to apply is refused as stale."""
    one = editor.propose("faq.yaml", FAQ.replace("投资65亿元。", "投资65亿元！", 1).encode())
    two = editor.propose("faq.yaml", FAQ.replace("你好！", "您好！").encode())
    outcomes: list[str] = []

    def apply(proposal: Proposal) -> None:
        try:
            editor.apply(proposal, "admin")
            outcomes.append("applied")
        except ChangeError:
            outcomes.append("refused")

    threads = [threading.Thread(target=apply, args=(p,)) for p in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["applied", "refused"]


def test_add_phrasing_from_the_log(editor: KnowledgeEditor) -> None:
    """A phrasing added from the log goes through the same path and then matches."""
    question = "华韶那边砸了几个亿"
    assert editor.live.current.ask(question).entry_id != "huashao"
    proposal = editor.propose_phrasing("huashao", question, "zh")
    editor.apply(proposal, "admin")
    text = (editor.directory / "faq.yaml").read_text(encoding="utf-8")
    assert text.startswith("topics:")  # the file's layout is kept
    assert editor.live.current.ask(question).entry_id == "huashao"
    with pytest.raises(ChangeError, match="already"):
        editor.propose_phrasing("huashao", question, "zh")


def test_inserted_phrasing_keeps_comments_and_layout() -> None:
    """Adding a phrasing to a block-style file inserts one line and touches nothing else."""
    text = (
        "# comment kept\n"
        "entries:\n"
        "  - id: a\n"
        "    questions:\n"
        "      zh:\n"
        '        - "一"\n'
        "      en:\n"
        '        - "one"\n'
        "  - id: b\n"
    )
    assert _insert_phrasing(text, "a", "zh", '二 "引号"') == text.replace(
        '        - "一"\n', '        - "一"\n        - "二 \\"引号\\""\n'
    )
    assert _insert_phrasing(text, "missing", "zh", "x") is None


@pytest.mark.parametrize("watched", [False, True], ids=["before-the-watch", "after-the-watch"])
def test_edit_on_disk_then_rollback_returns_to_the_version_before_it(
    editor: KnowledgeEditor, watched: bool
) -> None:
    """Apply an upload, edit the file on the server, /rollback: the upload's version is back,
    whether or not the watch took the edit first; history and rollback read one record."""
    first = editor.live.current.version
    faq_b = FAQ.replace("重庆华韶智算中心投资65亿元。", "B：投资65亿元。")
    second = editor.apply(editor.propose("faq.yaml", faq_b.encode()), "Ada").version
    faq_c = FAQ.replace("重庆华韶智算中心投资65亿元。", "C：投资65亿元。")
    (editor.directory / "faq.yaml").write_text(faq_c, encoding="utf-8")
    if watched:
        assert editor.sync().changed
    edited = LiveEngine.load(editor.directory).current.version
    restored = editor.rollback("Bo")
    assert (restored.version, restored.replaced) == (second, edited)
    assert editor.live.current.version == second
    assert (editor.directory / "faq.yaml").read_text(encoding="utf-8") == faq_b
    assert [(v.version, v.applied_by, v.action) for v in editor.versions()] == [
        (second, "Bo", f"rollback from {edited}"),
        (edited, "server", "reload from disk"),
        (second, "Ada", "apply faq.yaml"),
        (first, "server", "loaded at start"),
    ]
    assert editor.rollback("Bo").version == first  # and on, further back


def test_upload_checked_before_an_edit_on_disk_is_stale_and_the_edit_is_kept(
    editor: KnowledgeEditor,
) -> None:
    """An upload applied after the server's files were edited is refused; the edit is recorded
    and live, never overwritten unrecorded."""
    proposal = editor.propose("faq.yaml", FAQ.replace("你好！", "您好！").encode())
    edited = FAQ.replace("重庆华韶智算中心投资65亿元。", "C：投资65亿元。")
    (editor.directory / "faq.yaml").write_text(edited, encoding="utf-8")
    with pytest.raises(ChangeError, match="changed since this upload was checked"):
        editor.apply(proposal, "Ada")
    assert (editor.directory / "faq.yaml").read_text(encoding="utf-8") == edited
    assert editor.live.current.ask("华韶智算中心投资多少").text == "C：投资65亿元。"
    assert editor.versions()[0].action == "reload from disk"


def test_rollback_replaces_a_broken_edit_on_disk(editor: KnowledgeEditor) -> None:
    """A broken file on the server does not block /rollback: it returns to the version before
    the live one and writes over the broken file."""
    first = editor.live.current.version
    faq_b = FAQ.replace("你好！", "您好！")
    editor.apply(editor.propose("faq.yaml", faq_b.encode()), "Ada")
    (editor.directory / "faq.yaml").write_text("entries: [\n", encoding="utf-8")
    assert editor.rollback("Bo").version == first
    assert (editor.directory / "faq.yaml").read_text(encoding="utf-8") == FAQ


def test_offered_phrasings_are_gated_once_per_set_and_version(editor: KnowledgeEditor) -> None:
    """The gate runs once for a set of candidates; a refused set is split down to the phrasing
    at fault; the same set again costs nothing until the version changes."""
    good = Phrasing("huashao", "华韶那边砸了几个亿", "zh")
    # The labelled question itself, as a phrasing of another entry: it would be answered wrong.
    bad = Phrasing("huashao", "重庆小面明年营收目标是多少", "zh")
    assert editor.offerable([good]) == {good}
    assert editor.offerable([good]) == {good}
    assert editor.offers.runs == 1
    assert editor.offerable([good, bad]) == {good}
    assert editor.offers.runs == 1 + 3  # the pair, then each alone
    assert editor.offerable([bad, good]) == {good}
    assert editor.offers.runs == 4  # the same set, in another order
    editor.apply(editor.propose_phrasing("huashao", good.text, "zh"), "admin")
    assert editor.offerable([good]) == frozenset()  # a phrasing of huashao already
    assert editor.offers.runs == 5
