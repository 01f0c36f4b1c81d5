"""The template generator: deterministic output, loadable records, consistent labels, evasions."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from classifier import generate, templates
from classifier.corpus import DEFAULT_CORPUS, Example, load_corpus
from cluewatch.taxonomy import CATEGORIES

NEGATIVE_KINDS = {
    "pet_adoption", "legal_adoption", "police_bulletin", "news", "anti_trafficking_publicity",
    "ivf", "transplant", "job_agency", "intl_marriage", "birth_cert_reissue", "paternity_test",
    "pregnancy", "childcare", "daigou", "secondhand", "kidney_health", "nightlife_legit",
    "fiction_or_discussion",
}  # fmt: skip
SITE_KINDS = set(templates.SITE_KINDS)
# A term each technique is expected to rewrite.
TERMS = {
    "separator": "代孕",
    "zero_width": "代孕",
    "repeat": "代孕",
    "traditional": "送养",
    "fullwidth": "8w",
    "pinyin": "代孕",
    "homophone": "代孕",
    "split": "代孕",
    "emoji": "宝宝",
}
POST = "诚心送养宝宝，代孕包成功，价格8w，私聊"


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.jsonl"))}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate.write(generate.generate(), out)
    return out


@pytest.fixture(scope="module")
def examples(written: Path) -> list[Example]:
    return load_corpus([written])


def test_two_runs_write_identical_bytes(written: Path, tmp_path: Path) -> None:
    generate.write(generate.generate(), tmp_path)
    assert _files(tmp_path) == _files(written)


def test_committed_files_equal_a_fresh_run(written: Path) -> None:
    assert _files(generate.DEFAULT_OUT) == _files(written), (
        "classifier/data/corpus/generated is stale or was edited by hand: "
        "run `python -m classifier.generate` and commit the result"
    )


def test_cli_writes_one_file_per_group_and_the_seed_changes_the_draw(
    written: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate.main(["--out", str(tmp_path), "--seed", "7"])
    assert sorted(_files(tmp_path)) == sorted(f"{g.file}.jsonl" for g in templates.GROUPS)
    assert _files(tmp_path) != _files(written)
    assert "total" in capsys.readouterr().out


def test_every_record_loads_with_unique_generated_ids(examples: list[Example]) -> None:
    assert len(examples) == sum(group.count for group in templates.GROUPS)
    assert all(re.fullmatch(r"gen-[a-z]{2}-\d{4}", ex.id) for ex in examples)
    assert {ex.source for ex in examples} == {"generated"}


def test_every_family_has_at_least_five_posts(examples: list[Example]) -> None:
    sizes = Counter(ex.family for ex in examples)
    assert min(sizes.values()) >= 5, sorted(sizes.items(), key=lambda kv: kv[1])[:5]


def test_template_counts_per_group() -> None:
    counts = {group.file: len(group.templates) for group in templates.GROUPS}
    assert all(counts[category] >= 18 for category in CATEGORIES)
    assert counts["hard_negatives"] >= 60
    assert counts["ordinary"] >= 40
    slugs = [f"{g.code}-{t.slug}" for g in templates.GROUPS for t in g.templates]
    assert len(slugs) == len(set(slugs))


def test_labels_and_negative_kind_agree_with_the_file(written: Path) -> None:
    for path in sorted(written.glob("*.jsonl")):
        for ex in load_corpus([path]):
            code = ex.id.split("-")[1]
            assert ex.family.startswith(f"gen-{code}-")
            if path.stem in CATEGORIES:
                assert ex.labels[0] == path.stem and set(ex.labels) <= set(CATEGORIES)
                assert len(set(ex.labels)) == len(ex.labels)
                assert ex.negative_kind is None
            elif path.stem == "hard_negatives":
                assert ex.labels == () and ex.negative_kind in NEGATIVE_KINDS
            else:
                assert path.stem == "ordinary"
                assert ex.labels == () and ex.negative_kind == "ordinary"


def test_hard_negatives_cover_every_negative_kind(examples: list[Example]) -> None:
    kinds = {ex.negative_kind for ex in examples if ex.id.startswith("gen-hn-")}
    assert kinds == NEGATIVE_KINDS


def test_a_few_clue_posts_carry_two_labels(examples: list[Example]) -> None:
    multi = [ex for ex in examples if len(ex.labels) > 1]
    assert 0 < len(multi) < 0.1 * sum(ex.is_clue for ex in examples)


def test_texts_sites_and_titles_are_well_formed(examples: list[Example]) -> None:
    for ex in examples:
        assert 10 <= len(ex.text) <= 400, ex.id
        assert "{" not in ex.text and "{" not in ex.title, ex.id
        assert ex.site_kind in SITE_KINDS, ex.id
        if ex.site_kind in ("forum", "classifieds", "ecommerce", "gov", "news"):
            assert ex.title, ex.id
    assert max(len(ex.text) for ex in examples) > 250


def test_contact_details_are_fake(examples: list[Example]) -> None:
    real_mobile = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
    for ex in examples:
        digits = unicodedata.normalize("NFKC", ex.scored_text).replace(" ", "").replace("-", "")
        assert not real_mobile.search(digits), ex.id
        for qq in re.findall(r"(?:扣扣|企鹅|Q：)\s*(\d+)", digits):
            assert 10001 <= int(qq) <= 10099, ex.id


def test_augmentation_share_is_near_the_target_rates() -> None:
    result = generate.generate()
    for is_clue, rate in (
        (True, templates.CLUE_AUGMENT_RATE),
        (False, templates.BENIGN_AUGMENT_RATE),
    ):
        groups = [group for group in templates.GROUPS if bool(group.label) == is_clue]
        share = sum(result.augmented[g.file] for g in groups) / sum(g.count for g in groups)
        assert abs(share - rate) < 0.04, (is_clue, share)


@pytest.mark.parametrize("technique", sorted(generate.TECHNIQUES))
def test_each_technique_changes_the_term(technique: str) -> None:
    term = TERMS[technique]
    rng = random.Random(1)
    for _ in range(20):
        rewritten = generate.obfuscate(term, technique, rng)
        assert rewritten and rewritten != term


@pytest.mark.parametrize("technique", sorted(generate.TECHNIQUES))
def test_augment_rewrites_the_post_with_the_technique_asked_for(technique: str) -> None:
    for seed in range(10):
        _, text, used = generate.augment(
            "宝宝找新家", POST, random.Random(seed), techniques=[technique]
        )
        assert used == (technique,)
        assert text.strip() and text != POST


def test_augment_applies_one_rewrite_to_title_and_text_alike() -> None:
    for seed in range(10):
        title, text, used = generate.augment(
            "送养", "诚心送养", random.Random(seed), techniques=["separator"]
        )
        assert used == ("separator",)
        assert title != "送养" and text == f"诚心{title}"


def test_augment_without_techniques_uses_one_or_two() -> None:
    for seed in range(50):
        _, text, used = generate.augment("", POST, random.Random(seed))
        assert 1 <= len(used) <= 2 and text != POST


def test_committed_datasheet_matches_the_corpus() -> None:
    from classifier.datasheet import DATASHEET, render

    assert DATASHEET.read_text(encoding="utf-8") == render(load_corpus([DEFAULT_CORPUS])), (
        "corpus changed: run `python -m classifier.datasheet` and commit DATASHEET.md"
    )


@pytest.mark.parametrize(
    ("name", "least", "clue_share"),
    [("OBLIQUE", 600, (0.4, 0.8)), ("FRESH_NEGATIVES", 1400, (0.0, 0.0))],
)
def test_evaluation_sets_are_kept_out_of_the_corpus(
    name: str, least: int, clue_share: tuple[float, float]
) -> None:
    """The oblique-register set and the fresh hard negatives measure posts the model
    never trained on: no shared id, family or text with the corpus (or with each
    other), and every post well formed."""
    from classifier import datasheet

    corpus = load_corpus([DEFAULT_CORPUS])
    held_apart = load_corpus([getattr(datasheet, name)])
    other = load_corpus([datasheet.FRESH_NEGATIVES if name == "OBLIQUE" else datasheet.OBLIQUE])
    assert len(held_apart) >= least
    for seen in (corpus, other):
        assert not {ex.id for ex in held_apart} & {ex.id for ex in seen}
        assert not {ex.family for ex in held_apart} & {ex.family for ex in seen}
        assert not {ex.text for ex in held_apart} & {ex.text for ex in seen}
    assert all(set(ex.labels) <= set(CATEGORIES) for ex in held_apart)
    assert all(ex.labels or ex.negative_kind for ex in held_apart)
    clues = sum(1 for ex in held_apart if ex.labels)
    low, high = clue_share
    assert low <= clues / len(held_apart) <= high
