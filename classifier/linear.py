"""The fast linear model: character n-grams, TF-IDF, one logistic regression per category.

It is the baseline the transformer is evaluated against, a second opinion in
fusion, and the cheap first stage of the scoring cascade (most crawled posts
are ordinary chatter that it settles in microseconds). Features are hashed
character 1-2-grams of two normalised views of the text (`full`, and
`compact` without separators, so 代*孕 and 代孕 share features), `full` in
the model directory's input form (`classifier.model.INPUT_FORMS`, kept in the
file's metadata); no vocabulary to store. Measured on held-out families, longer n-grams did
worse (they memorise a family's phrasing). The saved
state is the IDF vector and the weights, in safetensors, beside the
transformer in the model directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cluewatch.errors import ModelLoadError
from cluewatch.taxonomy import CATEGORIES

LINEAR_FILE = "linear.safetensors"
N_FEATURES = 2**18
NGRAMS = (1, 2)
# Texts are cut here: the transformer's windows cover no more either.
MAX_CHARS = 126 * 8


def linear_input(text: str, form: str) -> str:
    """Both normalised views, `full` in the input `form` (`classifier.model.INPUT_FORMS`),
    joined by a character that never occurs in them."""
    from classifier.model import in_form
    from lexicon.normalize import normalize

    nz = normalize(text[:MAX_CHARS])
    return f"{in_form(nz.full, form)}\x01{nz.compact}"


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )


class LinearModel:
    """Per-category logistic regression over TF-IDF weighted hashed character n-grams."""

    def __init__(
        self,
        idf: npt.NDArray[np.float32],
        coef: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        input_form: str = "full",
    ) -> None:
        self.input_form = input_form
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)  # (features, categories)
        self.intercept = intercept.astype(np.float32)
        self._hasher = _vectorizer()

    def _features(self, texts: Sequence[str]) -> Any:
        from sklearn.preprocessing import normalize

        counts = self._hasher.transform([linear_input(t, self.input_form) for t in texts])
        counts.data = 1.0 + np.log(counts.data)  # sublinear term frequency
        weighted = counts.multiply(self.idf).tocsr()
        return normalize(weighted, norm="l2", copy=False)

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Per-category logits of raw post texts."""
        if not texts:
            return np.zeros((0, len(CATEGORIES)), dtype=np.float32)
        return np.asarray(self._features(texts) @ self.coef) + self.intercept

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return (1.0 / (1.0 + np.exp(-self.logits(texts)))).astype(np.float32)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        y: npt.NDArray[np.int8],
        *,
        c: float = 8.0,
        sample_weight: npt.NDArray[np.float64] | None = None,
        input_form: str = "full",
    ) -> LinearModel:
        """Fit on raw post texts read in `input_form`; `sample_weight` weighs each post's
        loss (default: all 1)."""
        from sklearn.linear_model import LogisticRegression

        counts = _vectorizer().transform([linear_input(t, input_form) for t in texts])
        df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float64)
        idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
        zeros = np.zeros((N_FEATURES, len(CATEGORIES)))
        model = cls(idf, zeros, np.zeros(len(CATEGORIES)), input_form)
        x = model._features(texts)
        for index in range(len(CATEGORIES)):
            target = y[:, index]
            if target.min() == target.max():
                model.intercept[index] = 8.0 if target[0] else -8.0
                continue
            lr = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=200)
            lr.fit(x, target, sample_weight=sample_weight)
            model.coef[:, index] = lr.coef_[0]
            model.intercept[index] = lr.intercept_[0]
        return model

    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        save_file(
            {
                "idf": self.idf,
                "coef": self.coef.astype(np.float16),
                "intercept": self.intercept,
            },
            str(directory / LINEAR_FILE),
            metadata={
                "ngrams": f"{NGRAMS[0]}-{NGRAMS[1]}",
                "features": str(N_FEATURES),
                "input_form": self.input_form,
            },
        )

    @classmethod
    def load(cls, directory: Path) -> LinearModel:
        from safetensors import SafetensorError, safe_open

        from classifier.model import INPUT_FORMS

        path = Path(directory) / LINEAR_FILE
        repair = (
            "copy the model directory again, retrain with `cluewatch train`, or point "
            "CLUEWATCH_MODEL_DIR at a complete model directory"
        )
        if not path.is_file():
            raise ModelLoadError(f"{path}: missing (the linear n-gram model); {repair}")
        try:
            with safe_open(str(path), framework="numpy") as handle:
                form = (handle.metadata() or {}).get("input_form", "full")
                tensors = {k: handle.get_tensor(k) for k in ("idf", "coef", "intercept")}
            model = cls(tensors["idf"], tensors["coef"], tensors["intercept"], form)
        except (OSError, SafetensorError, KeyError) as exc:
            raise ModelLoadError(
                f"{path}: corrupt, cannot load the linear model ({exc}); {repair}"
            ) from exc
        if model.input_form not in INPUT_FORMS:
            raise ModelLoadError(
                f"{path}: unknown input_form {model.input_form!r} in its metadata "
                f"(known: {', '.join(INPUT_FORMS)}); {repair}"
            )
        if model.coef.shape != (N_FEATURES, len(CATEGORIES)) or model.idf.shape != (N_FEATURES,):
            raise ModelLoadError(f"{path}: shapes do not match this version of cluewatch; {repair}")
        return model
