"""The transformer classifier: loading a model directory and batched prediction.

A model directory is a Hugging Face checkpoint (`config.json`,
`model.safetensors`, `tokenizer.json`) plus `cluewatch_model.json`, which
records the model's version, labels, window length, the form its models read
posts in (`input_form`), the hash of its training data, the lexicon version it
was fused with, its fusion parameters and its metrics. An ensemble keeps its
further members as checkpoints in subdirectories named in `members` (`member-2/` ...; config and weights, the
tokenizer is shared); their probabilities are averaged. Any local BERT-style
checkpoint fine-tuned by `cluewatch train` loads the same way. Beside them lies
the linear n-gram model (`linear.safetensors`, `classifier/linear.py`), which
every `cluewatch train` writes and scoring needs.

Every file is required: one that is missing, corrupt or does not match the
others is a `ModelLoadError` (E040) naming that file, never a model scoring
with a part left out or filled with random weights.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cluewatch.errors import ConfigError, ModelLoadError
from cluewatch.taxonomy import CATEGORIES
from lexicon.normalize import normalize

MODEL_META = "cluewatch_model.json"
# Long texts are cut into windows of the model's length; beyond this many
# windows the rest of the text is left to the lexicon, which scans it all.
MAX_WINDOWS = 8


CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG = "tokenizer_config.json"
_REPAIR = (
    "copy the model directory again, retrain with `cluewatch train`, or point "
    "CLUEWATCH_MODEL_DIR at a complete model directory"
)


# How a post's text reaches the transformer and the linear model; each model
# directory records its own (`input_form`), and a directory without one reads
# the `full` form.
# * `full`: the lexicon's `full` view (full-width folded, simplified, lower case).
# * `unpunctuated` (trained from the eleventh pass on): the same with commas,
#   enumeration commas, full stops and semicolons read as spaces, which the
#   tokenizer skips, as it skips the spaces posters put between phrases. The
#   corpus' clue posts mostly separate their phrases with spaces and its benign
#   posts with commas, a habit of their writers that a model reading
#   punctuation learns as a label (decision 11; the datasheet counts it).
INPUT_FORMS = ("full", "unpunctuated")
_SEPARATORS_AS_SPACES = str.maketrans(dict.fromkeys(",、。;", " "))


def in_form(full: str, form: str) -> str:
    """A text's lexicon `full` view in input `form` (one of `INPUT_FORMS`)."""
    if form == "full":
        return full
    if form == "unpunctuated":
        return full.translate(_SEPARATORS_AS_SPACES)
    raise ConfigError(f"unknown model input form {form!r} (known: {', '.join(INPUT_FORMS)})")


def model_input(text: str, form: str) -> str:
    """The text the transformer reads, in `form` (one of `INPUT_FORMS`)."""
    return in_form(normalize(text).full, form)


@dataclass
class ModelMeta:
    version: str
    labels: list[str]
    max_length: int
    training_data_hash: str = ""
    lexicon_version: str = ""
    base_model: str | None = None
    fusion: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    # Subdirectories holding the ensemble's further members (the directory itself is the first).
    members: list[str] = field(default_factory=list)
    # The form the transformer reads posts in (`INPUT_FORMS`); older directories: `full`.
    input_form: str = "full"

    @classmethod
    def read(cls, directory: Path) -> ModelMeta:
        path = directory / MODEL_META
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise ModelLoadError(
                f"{path}: cannot read model metadata ({exc}); retrain with `cluewatch train` "
                "or point CLUEWATCH_MODEL_DIR at a complete model directory"
            ) from exc

    def stamp_scoring(self, cascade_floor: float) -> None:
        """Version = weights + how they are scored: `name@weights+scoring`.

        The part after `+` hashes the fusion, thresholds, cascade floor and lexicon
        version, so a model refitted with `train --fusion-only` records scores under
        a new version even though its weights are the same.
        """
        scoring = json.dumps(
            [self.fusion, self.thresholds, cascade_floor, self.lexicon_version], sort_keys=True
        )
        weights = self.version.split("+", 1)[0]
        self.version = f"{weights}+{hashlib.sha256(scoring.encode()).hexdigest()[:8]}"

    def write(self, directory: Path) -> None:
        (directory / MODEL_META).write_text(
            json.dumps(self.__dict__, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def _read_json(path: Path, what: str) -> dict[str, Any]:
    """The JSON object in `path`, which holds `what`; `ModelLoadError` naming the file if it
    is missing or not a JSON object."""
    if not path.is_file():
        raise ModelLoadError(f"{path}: missing ({what}); {_REPAIR}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path}: corrupt, not readable JSON ({exc}); {_REPAIR}") from exc
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: corrupt, not a JSON object; {_REPAIR}")
    return data


def _load_checkpoint(directory: Path) -> Any:
    """One member's classifier from `config.json` and `model.safetensors` in `directory`,
    in evaluation mode; `ModelLoadError` naming the file that is missing or corrupt.

    A checkpoint without every weight of the classifier is refused rather than
    completed with random weights, which would score without a word of warning.
    """
    from safetensors import SafetensorError, safe_open
    from transformers import AutoConfig, AutoModelForSequenceClassification

    config_file = directory / CONFIG_FILE
    weights_file = directory / WEIGHTS_FILE
    _read_json(config_file, "the transformer's configuration")
    try:
        config = AutoConfig.from_pretrained(str(directory))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{config_file}: not a usable model configuration ({exc}); {_REPAIR}"
        ) from exc
    if not weights_file.is_file():
        raise ModelLoadError(f"{weights_file}: missing (the transformer's weights); {_REPAIR}")
    try:
        with safe_open(str(weights_file), framework="pt"):
            pass
    except (OSError, SafetensorError) as exc:
        raise ModelLoadError(
            f"{weights_file}: corrupt or truncated weights ({exc}); {_REPAIR}"
        ) from exc
    try:
        # Mismatched shapes are reported below, naming both files, rather than raised.
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(directory), config=config, output_loading_info=True, ignore_mismatched_sizes=True
        )
    except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
        raise ModelLoadError(f"{weights_file}: cannot load the weights ({exc}); {_REPAIR}") from exc
    if info["mismatched_keys"]:
        names = sorted(str(key[0]) for key in info["mismatched_keys"])
        raise ModelLoadError(
            f"{weights_file}: {len(names)} weights do not have the shapes {config_file} "
            f"gives ({_some(names)}); {_REPAIR}"
        )
    if info["missing_keys"]:
        names = sorted(info["missing_keys"])
        raise ModelLoadError(
            f"{weights_file}: lacks {len(names)} of the classifier's weights "
            f"({_some(names)}); {_REPAIR}"
        )
    return model.eval()


def _some(names: Sequence[str]) -> str:
    return ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")


def predict_windows(
    models: Sequence[Any],
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int,
    input_form: str,
    batch_size: int = 32,
) -> npt.NDArray[np.float32]:
    """The averaged probabilities of `models` per text, shape (len(texts), 7).

    Each text is read in `input_form`, in windows of `max_length` (at most
    `MAX_WINDOWS`), and takes its highest window's probabilities.
    """
    import torch

    if not texts:
        return np.zeros((0, len(CATEGORIES)), dtype=np.float32)
    width = max_length - 2
    windows: list[str] = []
    owner: list[int] = []
    for index, text in enumerate(texts):
        prepared = model_input(text[: width * MAX_WINDOWS], input_form) or " "
        for start in range(0, min(len(prepared), width * MAX_WINDOWS), width):
            windows.append(prepared[start : start + width])
            owner.append(index)
    order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
    probs = np.zeros((len(windows), len(CATEGORIES)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            encoded = tokenizer(
                [windows[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=max_length,
                # A few lengths only: every new input shape costs the CPU kernels
                # memory they keep (measured: +135 MB over 54,000 posts unpadded,
                # +45 MB padded to multiples of 32, at the same speed).
                pad_to_multiple_of=32 if max_length % 32 == 0 else None,
                return_tensors="pt",
            )
            member_probs = [torch.sigmoid(m(**encoded).logits) for m in models]
            probs[batch] = torch.stack(member_probs).mean(dim=0).float().numpy()
    out = np.zeros((len(texts), len(CATEGORIES)), dtype=np.float32)
    np.maximum.at(out, np.asarray(owner), probs)
    return out


class TextClassifier:
    """A loaded multi-label classifier: texts in, a probability per category out."""

    def __init__(self, directory: Path, *, batch_size: int = 32) -> None:
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ModelLoadError(
                f"{self.directory}: model directory not found; run `make setup` or "
                "`cluewatch train --out DIR` and set CLUEWATCH_MODEL_DIR"
            )
        self.meta = ModelMeta.read(self.directory)
        if list(self.meta.labels) != list(CATEGORIES):
            raise ModelLoadError(
                f"{self.directory}: model labels {self.meta.labels} do not match the taxonomy"
            )
        if self.meta.input_form not in INPUT_FORMS:
            raise ModelLoadError(
                f"{self.directory / MODEL_META}: unknown input_form {self.meta.input_form!r} "
                f"(known: {', '.join(INPUT_FORMS)}); {_REPAIR}"
            )
        # The ensemble's members, each a checkpoint; their probabilities are averaged.
        paths = [self.directory, *(self.directory / m for m in self.meta.members)]
        self.models = [_load_checkpoint(p) for p in paths]
        tokenizer_file = self.directory / TOKENIZER_FILE
        _read_json(tokenizer_file, "the tokenizer")
        if (self.directory / TOKENIZER_CONFIG).exists():
            _read_json(self.directory / TOKENIZER_CONFIG, "the tokenizer's settings")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(self.directory))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(
                f"{tokenizer_file}: cannot load the tokenizer ({exc}); {_REPAIR}"
            ) from exc
        self.batch_size = batch_size
        self.version = self.meta.version

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Probabilities, shape (len(texts), 7), columns in `CATEGORIES` order."""
        return predict_windows(
            self.models,
            self.tokenizer,
            texts,
            max_length=self.meta.max_length,
            input_form=self.meta.input_form,
            batch_size=self.batch_size,
        )
