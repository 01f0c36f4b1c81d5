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

The same features feed a second set of regressions, the *category judge*
(decision 13): one per category, fitted on the clue posts only, so each
weighs what tells its category from the other categories rather than from
benign posts. Fusion v7 takes a post's categories from it. A file without
it (written before v7) judges categories with the clue regressions.
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
# Inverse regularisation of the category judge: chosen from 8, 32, 64 and 128 on
# the out-of-fold scores of three cross-validation runs (decision 13).
CATEGORY_C = 32.0


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
        category_coef: npt.NDArray[np.float32] | None = None,
        category_intercept: npt.NDArray[np.float32] | None = None,
    ) -> None:
        self.input_form = input_form
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)  # (features, categories)
        self.intercept = intercept.astype(np.float32)
        # The category judge (module doc); None: the clue regressions judge.
        self.category_coef = None if category_coef is None else category_coef.astype(np.float32)
        self.category_intercept = (
            None if category_intercept is None else category_intercept.astype(np.float32)
        )
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
        return _sigmoid(self.logits(texts))

    def predict_with_categories(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Per-category clue probabilities and the category judge's, from one pass over
        the texts (the judge's are the clue probabilities when the file has none)."""
        if not texts:
            empty = np.zeros((0, len(CATEGORIES)), dtype=np.float32)
            return empty, empty
        x = self._features(texts)
        clue = _sigmoid(np.asarray(x @ self.coef) + self.intercept)
        if self.category_coef is None or self.category_intercept is None:
            return clue, clue
        return clue, _sigmoid(np.asarray(x @ self.category_coef) + self.category_intercept)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        y: npt.NDArray[np.int8],
        *,
        c: float = 8.0,
        sample_weight: npt.NDArray[np.float64] | None = None,
        input_form: str = "full",
        category_c: float | None = CATEGORY_C,
    ) -> LinearModel:
        """Fit on raw post texts read in `input_form`; `sample_weight` weighs each post's
        loss (default: all 1); the category judge on the clue posts (rows of `y` with a
        label) with `category_c`, None for none."""
        counts = _vectorizer().transform([linear_input(t, input_form) for t in texts])
        df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float64)
        idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
        zeros = np.zeros((N_FEATURES, len(CATEGORIES)))
        model = cls(idf, zeros, np.zeros(len(CATEGORIES)), input_form)
        x = model._features(texts)
        model.coef, model.intercept = _regressions(x, y, c, sample_weight)
        clues = np.flatnonzero(y.any(axis=1))
        if category_c is not None and len(clues):
            model.category_coef, model.category_intercept = _regressions(
                x[clues], y[clues], category_c, None
            )
        return model

    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        tensors = {
            "idf": self.idf,
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept,
        }
        if self.category_coef is not None and self.category_intercept is not None:
            tensors["category_coef"] = self.category_coef.astype(np.float16)
            tensors["category_intercept"] = self.category_intercept
        save_file(
            tensors,
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
                tensors = {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118
            model = cls(
                tensors["idf"],
                tensors["coef"],
                tensors["intercept"],
                form,
                tensors.get("category_coef"),
                tensors.get("category_intercept"),
            )
        except (OSError, SafetensorError, KeyError) as exc:
            raise ModelLoadError(
                f"{path}: corrupt, cannot load the linear model ({exc}); {repair}"
            ) from exc
        if model.input_form not in INPUT_FORMS:
            raise ModelLoadError(
                f"{path}: unknown input_form {model.input_form!r} in its metadata "
                f"(known: {', '.join(INPUT_FORMS)}); {repair}"
            )
        shapes = {model.coef.shape, (N_FEATURES, len(CATEGORIES))}
        if model.category_coef is not None:
            shapes.add(model.category_coef.shape)
        if len(shapes) > 1 or model.idf.shape != (N_FEATURES,):
            raise ModelLoadError(f"{path}: shapes do not match this version of cluewatch; {repair}")
        return model


def _sigmoid(z: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def _regressions(
    x: Any, y: npt.NDArray[np.int8], c: float, sample_weight: npt.NDArray[np.float64] | None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """One class-balanced logistic regression per category column of `y` over the
    features `x`: weights (features, categories) and intercepts. A column with one
    value throughout gets no weights and an intercept that says so."""
    from sklearn.linear_model import LogisticRegression

    coef = np.zeros((x.shape[1], len(CATEGORIES)), dtype=np.float32)
    intercept = np.zeros(len(CATEGORIES), dtype=np.float32)
    for index in range(len(CATEGORIES)):
        target = y[:, index]
        if target.min() == target.max():
            intercept[index] = 8.0 if target[0] else -8.0
            continue
        lr = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=200)
        lr.fit(x, target, sample_weight=sample_weight)
        coef[:, index] = lr.coef_[0]
        intercept[index] = lr.intercept_[0]
    return coef, intercept
