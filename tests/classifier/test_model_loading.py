"""A model directory with a file missing, corrupt or out of step is E040 naming that file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cluewatch.errors import ModelLoadError
from cluewatch.settings import DEFAULT_MODEL_DIR


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def _garbage(path: Path) -> None:
    path.write_text("garbage\n", encoding="utf-8")


def _drop_model_type(path: Path) -> None:
    config = json.loads(path.read_text(encoding="utf-8"))
    del config["model_type"]
    path.write_text(json.dumps(config), encoding="utf-8")


def _narrow(path: Path) -> None:
    config = json.loads(path.read_text(encoding="utf-8"))
    config["hidden_size"] = config["hidden_size"] // 2
    path.write_text(json.dumps(config), encoding="utf-8")


@pytest.fixture
def ensemble(tmp_path: Path) -> Path:
    """The shipped model as a two-member ensemble (the second member a copy of the first)."""
    model = tmp_path / "m"
    shutil.copytree(DEFAULT_MODEL_DIR, model)
    (model / "member-2").mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(model / name, model / "member-2" / name)
    meta = json.loads((model / "cluewatch_model.json").read_text(encoding="utf-8"))
    meta["members"] = ["member-2"]
    (model / "cluewatch_model.json").write_text(json.dumps(meta), encoding="utf-8")
    return model


@pytest.mark.parametrize(
    ("name", "damage", "reason"),
    [
        ("linear.safetensors", Path.unlink, "missing"),
        ("linear.safetensors", _truncate, "corrupt"),
        ("model.safetensors", Path.unlink, "missing"),
        ("model.safetensors", _truncate, "corrupt or truncated"),
        ("member-2/model.safetensors", _truncate, "corrupt or truncated"),
        ("member-2/model.safetensors", Path.unlink, "missing"),
        ("config.json", Path.unlink, "missing"),
        ("config.json", _garbage, "corrupt"),
        ("config.json", _drop_model_type, "not a usable model configuration"),
        ("member-2/config.json", Path.unlink, "missing"),
        ("tokenizer.json", Path.unlink, "missing"),
        ("tokenizer.json", _garbage, "corrupt"),
        ("tokenizer.json", lambda p: p.write_text("{}", encoding="utf-8"), "cannot load"),
        ("tokenizer_config.json", _garbage, "corrupt"),
    ],
)
def test_a_damaged_file_is_e040_naming_it(
    ensemble: Path, name: str, damage: Callable[[Path], object], reason: str
) -> None:
    from classifier.scorer import Scorer

    damage(ensemble / name)
    with pytest.raises(ModelLoadError) as raised:
        Scorer.from_paths(model_dir=ensemble)
    assert raised.value.code == "E040"
    assert raised.value.message.startswith(f"{ensemble / name}: {reason}")


def test_weights_out_of_step_with_their_config_name_both(ensemble: Path) -> None:
    from classifier.scorer import Scorer

    _narrow(ensemble / "member-2" / "config.json")
    with pytest.raises(ModelLoadError) as raised:
        Scorer.from_paths(model_dir=ensemble)
    weights, config = ensemble / "member-2" / "model.safetensors", ensemble / "member-2/config.json"
    assert raised.value.message.startswith(f"{weights}: 38 weights do not have the shapes {config}")


def test_the_ensemble_loads_whole(ensemble: Path) -> None:
    from classifier.scorer import Scorer

    scorer = Scorer.from_paths(model_dir=ensemble)
    assert len(scorer.classifier.models) == 2 and scorer.linear is not None


def test_an_unknown_input_form_is_e040_naming_the_metadata(ensemble: Path) -> None:
    from classifier.scorer import Scorer

    meta_file = ensemble / "cluewatch_model.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["input_form"] = "pinyin"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelLoadError) as raised:
        Scorer.from_paths(model_dir=ensemble)
    assert raised.value.code == "E040"
    assert raised.value.message.startswith(f"{meta_file}: unknown input_form 'pinyin'")


def test_a_directory_from_before_input_forms_reads_the_full_view(ensemble: Path) -> None:
    from classifier.model import ModelMeta

    meta_file = ensemble / "cluewatch_model.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta.pop("input_form", None)
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    assert ModelMeta.read(ensemble).input_form == "full"
