"""What the models read: separators as spaces, the corpus' fake contacts as real ones."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from classifier.corpus import Example, real_contacts
from classifier.linear import LINEAR_FILE, LinearModel
from classifier.model import model_input
from classifier.train import TrainConfig, training_input
from cluewatch.errors import ConfigError, ModelLoadError
from cluewatch.taxonomy import CATEGORIES

COMMAS = "越南新娘，包成功。跑了包赔、加V fake_bride_01"
SPACES = "越南新娘 包成功 跑了包赔 加V fake_bride_01"


def test_the_model_reads_separators_as_the_spaces_it_skips() -> None:
    post = "越南、緬甸新娘，賢惠。包成功；加V：fake_bride_01"
    assert model_input(post, "unpunctuated") == "越南 缅甸新娘 贤惠 包成功 加v:fake_bride_01"
    assert model_input(post, "full") == "越南、缅甸新娘,贤惠。包成功;加v:fake_bride_01"
    with pytest.raises(ConfigError, match="unknown model input form 'pinyin'"):
        model_input(post, "pinyin")


def test_fake_contacts_are_written_as_a_real_posts() -> None:
    text = "加V fake_xiaoyu_99 或 @FAKE_bob，电话 100 0000 1234 / 138-0000-5678 / 10000001234"
    real = real_contacts(text, "post-1")
    assert "fake" not in real.lower() and "0000" not in real
    assert "xiaoyu_99" in real and "@bob" in real
    # The layout and the last four digits stay; no number starts 100 any more.
    assert re.search(r"电话 1[3589]\d \d{4} 1234 / 138-\d{4}-5678 / 1[3589]\d{5}1234$", real)
    assert real_contacts(text, "post-1") == real  # the same post, the same numbers
    assert real_contacts(text, "post-2") != real
    # Numbers that only hold zeros are left alone: order numbers, prices.
    for kept in ("订单号 2024100000012345", "彩礼 100000 元", "今天天气不错"):
        assert real_contacts(kept, "post-1") == kept


def test_training_reads_real_contacts_and_the_input_form_as_configured() -> None:
    example = Example(id="c1", text=COMMAS, labels=("bride_trafficking",), family="f")
    assert training_input(example, TrainConfig()) == "越南新娘 包成功 跑了包赔 加v bride_01"
    plain = TrainConfig(real_contacts=False, input_form="full")
    assert training_input(example, plain) == model_input(COMMAS, "full")


def _fitted(form: str) -> LinearModel:
    texts = [COMMAS, "今天天气不错，出去走走", "猫咪送养，只限同城，不收费", SPACES]
    y = np.zeros((len(texts), len(CATEGORIES)), dtype=np.int8)
    y[[0, 3], CATEGORIES.index("bride_trafficking")] = 1
    return LinearModel.fit(texts, y, input_form=form)


def test_the_linear_model_keeps_its_input_form_and_reads_by_it(tmp_path: Path) -> None:
    model = _fitted("unpunctuated")
    model.save(tmp_path)
    loaded = LinearModel.load(tmp_path)
    assert loaded.input_form == "unpunctuated"
    np.testing.assert_array_equal(loaded.logits([COMMAS]), loaded.logits([SPACES]))
    full = _fitted("full")
    assert not np.array_equal(full.logits([COMMAS]), full.logits([SPACES]))


def test_a_linear_model_with_an_unknown_input_form_is_e040(tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    _fitted("unpunctuated").save(tmp_path)
    path = tmp_path / LINEAR_FILE
    save_file(load_file(str(path)), str(path), metadata={"input_form": "pinyin"})
    with pytest.raises(ModelLoadError) as raised:
        LinearModel.load(tmp_path)
    assert raised.value.message.startswith(f"{path}: unknown input_form 'pinyin'")


def test_a_linear_model_saved_without_a_form_reads_the_full_view(tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    _fitted("full").save(tmp_path)
    path = tmp_path / LINEAR_FILE
    save_file(load_file(str(path)), str(path))
    assert LinearModel.load(tmp_path).input_form == "full"


def _two_categories(category_c: float | None) -> LinearModel:
    bride, labor = CATEGORIES.index("bride_trafficking"), CATEGORIES.index("labor_trafficking")
    clues = [
        ("越南新娘 包成功 跑了包赔", bride),
        ("缅甸新娘 贤惠 包娶 私聊", bride),
        ("出国务工 高薪 不用签证 扣护照", labor),
        ("缅北高薪 包机票 到了扣护照", labor),
    ]
    benign = ["今天天气不错，出去走走", "正规劳务派遣 持证经营", "国际婚姻登记 民政局办理"]
    texts = [t for t, _ in clues] + benign
    y = np.zeros((len(texts), len(CATEGORIES)), dtype=np.int8)
    for row, (_, column) in enumerate(clues):
        y[row, column] = 1
    return LinearModel.fit(texts, y, input_form="unpunctuated", category_c=category_c)


def test_the_category_judge_is_saved_beside_the_clue_regressions(tmp_path: Path) -> None:
    model = _two_categories(32.0)
    posts = ["越南新娘 包成功", "高薪 扣护照 包机票"]
    clue, judge = model.predict_with_categories(posts)
    np.testing.assert_array_equal(clue, model.predict(posts))
    assert not np.array_equal(clue, judge)
    bride, labor = CATEGORIES.index("bride_trafficking"), CATEGORIES.index("labor_trafficking")
    assert judge[0, bride] > judge[0, labor] and judge[1, labor] > judge[1, bride]
    model.save(tmp_path)
    loaded = LinearModel.load(tmp_path)
    np.testing.assert_allclose(loaded.predict_with_categories(posts)[1], judge, atol=2e-3)
    # Without a judge (a file written before it), the clue regressions judge.
    _two_categories(None).save(tmp_path)
    clue, judge = LinearModel.load(tmp_path).predict_with_categories(posts)
    np.testing.assert_array_equal(clue, judge)


def test_a_category_judge_of_the_wrong_shape_is_e040(tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    _two_categories(32.0).save(tmp_path)
    path = tmp_path / LINEAR_FILE
    tensors = load_file(str(path))
    tensors["category_coef"] = tensors["category_coef"][:, :3].copy()
    save_file(tensors, str(path), metadata={"input_form": "unpunctuated"})
    with pytest.raises(ModelLoadError, match="shapes do not match"):
        LinearModel.load(tmp_path)


def test_contact_details_are_cut_out_of_a_post_and_nothing_else() -> None:
    from classifier.train import without_contacts

    offer = "越南新娘 包成功，加V xiaoyu_99 或电话 13812345678，私聊"
    [cut, none] = without_contacts([offer, "今天天气不错，出去走走"])
    assert none is None
    assert cut is not None and cut.startswith("越南新娘 包成功，")
    for contact in ("加V", "xiaoyu_99", "电话", "13812345678", "私聊"):
        assert contact not in cut
