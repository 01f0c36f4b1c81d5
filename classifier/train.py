"""Training: a small BERT-style model from scratch, or fine-tuning a local checkpoint.

`train()` loads the corpus, splits it by family, trains one or more
transformers (an ensemble by seed) with per-epoch validation (keeping the
mean of each one's weights over its last epochs, or its best epoch:
`TrainConfig.average_from`, `choose_epoch`), chooses
thresholds and the cascade floor on the validation families, evaluates
lexicon-only, model-only and fused scores on both test splits, and writes a
complete model directory.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from classifier.corpus import (
    DEFAULT_CORPUS,
    Example,
    Splits,
    corpus_hash,
    load_corpus,
    real_contacts,
    split,
)
from classifier.evaluate import category_flags, label_matrix, metrics
from classifier.fusion import FORMAT_V6, Fusion
from classifier.linear import LinearModel
from classifier.model import ModelMeta, TextClassifier, model_input
from classifier.scorer import Scored, Scorer, cascade_runs, fuse_all
from classifier.tokenizer import build_vocab, make_tokenizer
from cluewatch.errors import ConfigError, ModelLoadError, TrainingDataError
from cluewatch.taxonomy import CATEGORIES
from lexicon import Matcher, load_data

log = logging.getLogger(__name__)
# A category's threshold is chosen only with at least this many validation positives.
MIN_VALIDATION_POSITIVES = 10
THRESHOLD_GRID = np.round(np.arange(0.5, 0.901, 0.02), 2)


@dataclass
class TrainConfig:
    hidden_size: int = 128
    layers: int = 2
    heads: int = 2
    intermediate_size: int = 256
    max_length: int = 128
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    fine_tune_learning_rate: float = 5e-5
    seed: int = 20261123
    # Per-category thresholds: the lowest from 0.5 reaching this validation precision.
    target_precision: float = 0.6
    dropout: float = 0.2
    # Share of training posts rewritten each epoch with the generator's obfuscations
    # (pinyin, homophones, split characters, symbols ...), so that the model reads
    # through evasions it has not seen in that post.
    augment: float = 0.3
    balance: bool = True
    # The class-balancing weight of a category's positives in the transformer's
    # loss: (negatives / positives) ** pos_weight_power (0.5, the square root).
    pos_weight_power: float = 0.5
    # Loss weight of a benign training post relative to a clue, in both the
    # transformer's loss and the linear model's fit: hard negatives (benign
    # posts sharing a clue's words: every negative_kind but ordinary) and
    # ordinary chatter. Weights are scaled to a mean of 1 over the training set.
    # Benign ×2 lowered the validation families' hard-negative FPR from 0.070
    # to 0.049 and ordinary posts flagged from 2.8% to 1.9% (two seeds each),
    # clue F1 0.934 → 0.942 (decision 7); hard negatives alone ×2 flagged more
    # ordinary posts.
    hard_negative_weight: float = 2.0
    ordinary_weight: float = 2.0
    # Hard-negative mining: after each epoch, the benign training posts the
    # transformer flags (some category at 0.5 or more) weigh this many times
    # their weight in the next epoch (1: off). Costs a prediction pass over
    # the benign training posts per epoch.
    mining_weight: float = 1.0
    # Share of the training posts that hold contact details (加V and an ID, a
    # phone number, 私聊 ...) read each epoch with them cut out, so that an
    # offer is judged by what it offers: most of the corpus' clue posts end in
    # a contact, and the posts quoted by reports rarely keep theirs.
    contact_dropout: float = 0.0
    # Masked-character pre-training epochs on the training texts before fine-tuning.
    pretrain_epochs: int = 6
    # Transformers trained with different seeds whose probabilities are averaged.
    members: int = 1
    # The form posts reach the transformer in (`classifier.model.INPUT_FORMS`).
    input_form: str = "unpunctuated"
    # Train on the corpus' fake contacts written as real posts write them
    # (`classifier.corpus.real_contacts`), so that "fake_" is no sign of a clue.
    real_contacts: bool = True
    # Once validation has chosen each member's epoch (and the thresholds and
    # cascade floor are chosen), train every member again from the same start
    # on training + validation families for that many epochs, and the linear
    # model on both: the shipped model learns from 15% more families.
    refit: bool = True
    # Keep each transformer at the epoch of its best validation macro F1 (and
    # refit for that many epochs); False trains every one all `epochs`, the
    # validation figures still printed after each epoch. Off by decision 12:
    # on `cluewatch crossval` the chosen epoch did no better than the last,
    # and moved the figures from run to run.
    choose_epoch: bool = False
    # With `choose_epoch` off: keep the mean of each transformer's weights
    # after every epoch from this one to the last (0: the last epoch's own).
    # Decision 12: from epoch 6, where the out-of-fold figures stop rising.
    average_from: int = 6
    name: str = "cluewatch-charbert"


def check_config(config: TrainConfig) -> None:
    """Refuse settings that cannot train together, before any training starts."""
    if config.average_from < 0 or config.average_from > config.epochs:
        raise ConfigError(
            f"TrainConfig: average_from (--average-from) must be 0 (off) or an epoch from "
            f"1 to epochs ({config.epochs}), got {config.average_from}"
        )
    if config.average_from and config.choose_epoch:
        raise ConfigError(
            "TrainConfig: average_from needs choose_epoch off (the weights kept are a mean "
            "over epochs, not one chosen epoch): use --all-epochs"
        )


def sample_weights(examples: Sequence[Example], config: TrainConfig) -> np.ndarray:
    """Per-example loss weights (`hard_negative_weight`, `ordinary_weight`), mean 1."""
    if config.hard_negative_weight <= 0 or config.ordinary_weight <= 0:
        raise ConfigError(
            "TrainConfig: hard_negative_weight and ordinary_weight must be positive "
            f"(got {config.hard_negative_weight} and {config.ordinary_weight})"
        )
    weights = np.array(
        [
            config.hard_negative_weight
            if ex.is_hard_negative
            else config.ordinary_weight
            if not ex.is_clue
            else 1.0
            for ex in examples
        ],
        dtype=np.float64,
    )
    return weights / weights.mean() if len(weights) else weights


def mined_weights(
    weights: np.ndarray, benign_rows: Sequence[int], benign_probs: np.ndarray, factor: float
) -> np.ndarray:
    """`weights` with the benign posts flagged at 0.5 (`benign_probs`, one row per
    `benign_rows` entry) multiplied by `factor`, scaled back to mean 1."""
    mined = weights.copy()
    flagged = np.asarray(benign_rows)[(benign_probs >= 0.5).any(axis=1)]
    mined[flagged] *= factor
    return mined / mined.mean()


def weighted_loss(logits: Any, targets: Any, weights: Any, pos_weight: Any | None) -> Any:
    """Binary cross-entropy per category (positives weighed by `pos_weight`), averaged per
    post, each post's times its weight, averaged over the batch. With weights of 1 it is
    `BCEWithLogitsLoss(pos_weight=pos_weight)`."""
    import torch

    per_category = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, targets, pos_weight=pos_weight, reduction="none"
    )
    return (per_category.mean(dim=1) * weights).mean()


def _set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _build_model(
    config: TrainConfig, base_model: Path | None, texts: Sequence[str]
) -> tuple[Any, Any]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig

    labels = {i: c for i, c in enumerate(CATEGORIES)}
    if base_model is not None:
        if not (base_model / "config.json").is_file():
            raise ModelLoadError(f"{base_model}: not a Hugging Face checkpoint (no config.json)")
        tokenizer = AutoTokenizer.from_pretrained(str(base_model))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(base_model),
            num_labels=len(CATEGORIES),
            problem_type="multi_label_classification",
            id2label=labels,
            label2id={c: i for i, c in labels.items()},
            ignore_mismatched_sizes=True,
        )
        return tokenizer, model
    vocab = build_vocab(texts)
    tokenizer = make_tokenizer(vocab, max_length=config.max_length)
    bert = BertConfig(
        vocab_size=len(vocab),
        hidden_size=config.hidden_size,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_length,
        type_vocab_size=1,
        pad_token_id=0,
        hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.dropout,
        num_labels=len(CATEGORIES),
        problem_type="multi_label_classification",
        id2label=labels,
        label2id={c: i for i, c in labels.items()},
    )
    from transformers import BertForSequenceClassification

    return tokenizer, BertForSequenceClassification(bert)


def training_text(example: Example, config: TrainConfig) -> str:
    """The post a model trains on: its contacts written as real ones if so configured."""
    return example.training_text if config.real_contacts else example.scored_text


def training_input(example: Example, config: TrainConfig) -> str:
    """What the transformer trains on: `training_text` in the configured input form."""
    return model_input(training_text(example, config), config.input_form)


def without_contacts(texts: Sequence[str]) -> list[str | None]:
    """Each text with its contact details cut out (`contact_spans`), None if it has none."""
    from classifier.fusion import contact_spans

    out: list[str | None] = []
    for text, analysis in zip(texts, Matcher(load_data()).analyze_many(texts), strict=True):
        spans = contact_spans(analysis)
        if not spans:
            out.append(None)
            continue
        kept, at = [], 0
        for start, end in spans:
            kept.append(text[at:start])
            at = max(at, end)
        kept.append(text[at:])
        out.append("".join(kept))
    return out


def _augmented(example: Example, rng: random.Random, config: TrainConfig) -> str:
    from classifier.generate import augment

    title, text, _ = augment(example.title, example.text, rng)
    text = f"{title}\n{text}" if title else text
    if config.real_contacts:
        text = real_contacts(text, example.id)
    return model_input(text, config.input_form)


def _pretrain(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    config: TrainConfig,
    max_length: int,
    progress: Callable[[str], None],
) -> None:
    """Masked-character pre-training of the encoder on the training texts (no labels)."""
    import torch
    from transformers import BertForMaskedLM, DataCollatorForLanguageModeling

    mlm = BertForMaskedLM(model.config)
    mlm.bert.load_state_dict(model.bert.state_dict(), strict=False)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(mlm.parameters(), lr=config.learning_rate, weight_decay=0.01)
    rng = random.Random(config.seed + 1)
    lengths = [len(t) for t in texts]
    mlm.train()
    for epoch in range(1, config.pretrain_epochs + 1):
        total, batches = 0.0, _batches(len(texts), lengths, config.batch_size, rng)
        for batch in batches:
            enc = tokenizer([texts[i] for i in batch], truncation=True, max_length=max_length)
            inputs = collator([{"input_ids": ids} for ids in enc["input_ids"]])
            loss = mlm(input_ids=inputs["input_ids"], labels=inputs["labels"]).loss
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(mlm.parameters(), 1.0)
            optimizer.step()
            total += float(loss.detach())
        progress(f"pre-training epoch {epoch}: masked-character loss {total / len(batches):.3f}")
    model.bert.load_state_dict(mlm.bert.state_dict(), strict=False)


def _batches(
    n: int, lengths: Sequence[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Length-bucketed batches in random order: little padding, still shuffled."""
    order = sorted(range(n), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    rng.shuffle(batches)
    return batches


def _predict(model: Any, tokenizer: Any, texts: Sequence[str], max_length: int) -> np.ndarray:
    import torch

    model.eval()
    out = np.zeros((len(texts), len(CATEGORIES)), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            batch = order[start : start + 64]
            enc = tokenizer(
                [texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            out[batch] = torch.sigmoid(model(**enc).logits).numpy()
    return out


def _fine_tune(
    model: Any,
    tokenizer: Any,
    train: Sequence[Example],
    validation: Sequence[Example] | None,
    config: TrainConfig,
    *,
    epochs: int,
    lr: float,
    max_length: int,
    label: str,
    progress: Callable[[str], None],
    show_bar: bool,
    after_epoch: Callable[[int, dict[str, Any] | None], None] | None = None,
) -> int:
    """Supervised training for `epochs` epochs; returns the epoch `model` is left at.

    With `validation`, every epoch is validated and, with
    `config.choose_epoch`, `model` is left at its best (by macro F1).
    Otherwise it trains all `epochs`. `after_epoch(epoch, validation metrics
    or None)` runs after each epoch with `model` at that epoch. The learning-rate
    schedule always spans `config.epochs`, so a refit stopping at the chosen
    epoch follows the selection run's schedule up to that epoch.
    """
    import torch

    train_texts = [training_input(ex, config) for ex in train]
    uncontacted: list[str | None] = [None] * len(train)
    if config.contact_dropout:
        raw = [training_text(ex, config) for ex in train]
        uncontacted = [
            None if text is None else model_input(text, config.input_form)
            for text in without_contacts(raw)
        ]
    y_train = torch.tensor(label_matrix(train), dtype=torch.float32)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    rng = random.Random(config.seed)
    lengths = [len(t) for t in train_texts]
    steps_per_epoch = (len(train_texts) + config.batch_size - 1) // config.batch_size
    total_steps = steps_per_epoch * config.epochs
    warmup = max(1, total_steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup))
        ),
    )
    # Positives of each category are few among many benign posts; without a
    # weight, training from scratch can sit for epochs predicting "none".
    positives = y_train.sum(dim=0).clamp(min=1.0)
    pos_weight = (
        ((len(y_train) - positives) / positives) ** config.pos_weight_power
        if config.balance
        else None
    )

    def _varied(index: int, text: str) -> str:
        """The post as read this time: rewritten with obfuscations, without its contacts,
        or as it is."""
        if config.augment and rng.random() < config.augment:
            return _augmented(train[index], rng, config)
        cut = uncontacted[index]
        if config.contact_dropout and cut is not None and rng.random() < config.contact_dropout:
            return cut
        return text

    base_weights = sample_weights(train, config)
    weights = torch.tensor(base_weights, dtype=torch.float32)
    benign_rows = [i for i, ex in enumerate(train) if not ex.is_clue]
    val_texts = [training_input(ex, config) for ex in validation or ()]
    best_f1, best_state, best_epoch = -1.0, None, epochs
    average: dict[str, Any] | None = None
    for epoch in range(1, epochs + 1):
        model.train()
        batches = _batches(len(train_texts), lengths, config.batch_size, rng)
        iterator: Any = batches
        if show_bar:
            from tqdm import tqdm

            iterator = tqdm(batches, desc=f"{label}epoch {epoch}/{epochs}", unit="batch")
        total = 0.0
        for batch in iterator:
            texts = [train_texts[i] for i in batch]
            if config.augment or config.contact_dropout:
                texts = [_varied(i, text) for i, text in zip(batch, texts, strict=True)]
            enc = tokenizer(
                texts,
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            logits = model(**enc).logits
            loss = weighted_loss(logits, y_train[batch], weights[batch], pos_weight)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total += float(loss.detach())
        loss = f"{label}epoch {epoch}: loss {total / max(1, len(batches)):.4f}"
        if config.mining_weight != 1.0 and benign_rows and epoch < epochs:
            probs = _predict(model, tokenizer, [train_texts[i] for i in benign_rows], max_length)
            mined = mined_weights(base_weights, benign_rows, probs, config.mining_weight)
            weights = torch.tensor(mined, dtype=torch.float32)
            loss += f", {int((probs >= 0.5).any(axis=1).sum())} benign posts mined"
        if config.average_from and epoch >= config.average_from:
            average = _running_mean(average, model, epoch - config.average_from + 1)
        if validation is None:
            progress(loss)
            if after_epoch is not None:
                after_epoch(epoch, None)
            continue
        val_probs = _predict(model, tokenizer, val_texts, max_length)
        val = metrics(validation, val_probs.astype(np.float64), 0.5)
        progress(
            f"{loss}, validation macro F1 {val['macro_f1']:.3f}, "
            f"clue F1 {val['clue_vs_benign']['f1']:.3f}"
        )
        if val["macro_f1"] > best_f1:
            best_f1, best_epoch = val["macro_f1"], epoch
            if config.choose_epoch:
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if after_epoch is not None:
            after_epoch(epoch, val)
    if average is not None:
        model.load_state_dict(average)
        averaged = f"{label}weights averaged over epochs {config.average_from}-{epochs}"
        if validation is not None:
            probs = _predict(model, tokenizer, val_texts, max_length).astype(np.float64)
            val = metrics(validation, probs, 0.5)
            averaged += f": validation macro F1 {val['macro_f1']:.3f}"
        progress(averaged)
    if validation is None:
        return epochs
    if not config.choose_epoch:
        progress(
            f"{label}all {epochs} epochs kept (validation's best: epoch {best_epoch}, "
            f"macro F1 {best_f1:.3f})"
        )
        return epochs
    if best_state is not None:
        model.load_state_dict(best_state)
        progress(f"{label}best epoch {best_epoch} (validation macro F1 {best_f1:.3f})")
    return best_epoch


def _running_mean(average: dict[str, Any] | None, model: Any, count: int) -> dict[str, Any]:
    """`average` (the mean of `count` - 1 states) with `model`'s weights now taken in."""
    state = model.state_dict()
    if average is None:
        return {k: v.detach().clone() for k, v in state.items()}
    for key, value in state.items():
        if value.is_floating_point():
            average[key] += (value.detach() - average[key]) / count
        else:
            average[key] = value.detach().clone()
    return average


def _member_dir(out_dir: Path, index: int) -> Path:
    """The first member is the model directory itself; the others live beside it."""
    return out_dir if index == 0 else out_dir / f"member-{index + 1}"


def train(
    *,
    data: Sequence[Path] = (DEFAULT_CORPUS,),
    out_dir: Path,
    base_model: Path | None = None,
    config: TrainConfig | None = None,
    progress: Callable[[str], None] = log.info,
    show_bar: bool = False,
) -> ModelMeta:
    """Train `config.members` transformers (one shared pre-training), the linear model, fusion.

    The members differ by seed (head initialisation, batch order, dropout,
    augmentation); from scratch they start from one masked-character
    pre-trained encoder, fine-tuning starts each from `base_model`.
    """
    import torch

    config = config or TrainConfig()
    check_config(config)
    started = time.monotonic()
    _set_seed(config.seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    examples = load_corpus(data)
    splits = split(examples)
    if not splits.train or not splits.validation:
        raise TrainingDataError(f"too few examples to train ({len(examples)} in {list(data)})")
    progress(
        f"corpus: {len(examples)} examples; train {len(splits.train)}, validation "
        f"{len(splits.validation)}, test in-distribution {len(splits.test_in_distribution)}, "
        f"test held-out families {len(splits.test_held_out)}"
    )
    train_texts = [training_input(ex, config) for ex in splits.train]
    tokenizer, model = _build_model(config, base_model, train_texts)
    # A checkpoint's position table bounds the window (a tiny or older model may hold fewer).
    max_length = min(config.max_length, int(model.config.max_position_embeddings))
    if config.pretrain_epochs and base_model is None:
        _pretrain(model, tokenizer, train_texts, config, max_length, progress)
    # Every member starts from this encoder (a checkpoint's own members reload it instead).
    encoder = (
        {k: v.detach().clone() for k, v in model.bert.state_dict().items()}
        if base_model is None
        else {}
    )
    lr = config.fine_tune_learning_rate if base_model else config.learning_rate
    out_dir.mkdir(parents=True, exist_ok=True)

    def fit_members(train_set: Sequence[Example], epochs: Sequence[int] | None) -> list[int]:
        """Train every member (chosen epochs by validation when `epochs` is None) and save it."""
        chosen: list[int] = []
        for index in range(config.members):
            member_config = replace(config, seed=config.seed + index)
            _set_seed(member_config.seed)
            first_selection = index == 0 and epochs is None
            member = model if first_selection else _fresh_member(model, base_model, encoder)
            label = f"member {index + 1}/{config.members}: " if config.members > 1 else ""
            label = f"refit {label}" if epochs is not None else label
            chosen.append(
                _fine_tune(
                    member,
                    tokenizer,
                    train_set,
                    None if epochs is not None else splits.validation,
                    member_config,
                    epochs=epochs[index] if epochs is not None else config.epochs,
                    lr=lr,
                    max_length=max_length,
                    label=label,
                    progress=progress,
                    show_bar=show_bar,
                )
            )
            member.save_pretrained(str(_member_dir(out_dir, index)), safe_serialization=True)
        return chosen

    best_epochs = fit_members(splits.train, None)
    tokenizer.save_pretrained(str(out_dir))
    progress("linear n-gram model")
    fit_linear(splits.train, out_dir, config)
    meta = ModelMeta(
        version="",
        labels=list(CATEGORIES),
        max_length=max_length,
        training_data_hash=corpus_hash(examples),
        lexicon_version="",
        base_model=str(base_model) if base_model else None,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        members=[_member_dir(out_dir, i).name for i in range(1, config.members)],
        input_form=config.input_form,
    )
    meta.metrics = {
        "best_epoch": best_epochs,
        "threads": torch.get_num_threads(),
        "training_config": asdict(config),
    }
    meta.write(out_dir)
    chosen = None
    lexicon = Matcher(load_data())
    if config.refit:
        # Thresholds and the cascade floor are chosen on the selection models,
        # which never saw the validation families; the refit models keep them.
        chosen = choose_on_validation(_scorer(out_dir, lexicon), splits, config, progress)
        refit_set = [*splits.train, *splits.validation]
        progress(f"refit on training + validation families: {len(refit_set)} examples")
        fit_members(refit_set, best_epochs)
        progress("linear n-gram model")
        fit_linear(refit_set, out_dir, config)
        meta.metrics["refit"] = {"examples": len(refit_set), "epochs": best_epochs}
    digest = hashlib.sha256()
    for index in range(config.members):
        digest.update((_member_dir(out_dir, index) / "model.safetensors").read_bytes())
    meta.version = f"{config.name}@{digest.hexdigest()[:12]}"
    meta.metrics["train_seconds"] = round(time.monotonic() - started)
    meta.write(out_dir)
    # The weight files' writer keeps them to their owner (0600); a model directory
    # is shipped and read by other users, like the files beside them.
    for weights in out_dir.rglob("*.safetensors"):
        weights.chmod(0o644)
    return fit_fusion_stage(
        out_dir,
        examples=examples,
        config=config,
        progress=progress,
        chosen=chosen,
        lexicon=lexicon,
    )


def fit_linear(train_set: Sequence[Example], out_dir: Path, config: TrainConfig) -> None:
    """The linear n-gram model of `train_set`, with the transformer's per-post weights."""
    LinearModel.fit(
        [training_text(ex, config) for ex in train_set],
        label_matrix(train_set),
        sample_weight=sample_weights(train_set, config),
        input_form=config.input_form,
    ).save(out_dir)


def _fresh_member(model: Any, base_model: Path | None, encoder: dict[str, Any]) -> Any:
    """A new member: `base_model` reloaded, or a new classifier on the pre-trained encoder."""
    from transformers import AutoModelForSequenceClassification, BertForSequenceClassification

    if base_model is not None:
        return AutoModelForSequenceClassification.from_pretrained(
            str(base_model), config=model.config, ignore_mismatched_sizes=True
        )
    member = BertForSequenceClassification(model.config)
    member.bert.load_state_dict(encoder)
    return member


@dataclass(frozen=True)
class Choices:
    """What validation chooses for a model directory: thresholds and the cascade floor."""

    thresholds: dict[str, float]
    cascade_floor: float
    cascade_report: dict[str, float]


def _scorer(model_dir: Path, lexicon: Matcher) -> Scorer:
    """The directory's models, every post through the transformer, the current fusion
    (v6 for a linear model written without a category judge, which v7 reads)."""
    linear = LinearModel.load(model_dir)
    scorer = Scorer(lexicon, TextClassifier(model_dir), linear=linear, cascade=False)
    scorer.fusion = Fusion() if linear.category_coef is not None else Fusion(format=FORMAT_V6)
    return scorer


def choose_on_validation(
    scorer: Scorer,
    splits: Splits,
    config: TrainConfig,
    progress: Callable[[str], None] = log.info,
) -> Choices:
    """Thresholds and the cascade floor of `scorer`'s models (`_scorer`), chosen on
    validation families."""
    validation = scorer.compute([ex.scored_text for ex in splits.validation])
    thresholds = choose_thresholds(
        validation.fused, splits.validation, scorer.fusion, config.target_precision
    )
    floor, report = choose_cascade_floor(
        scorer.fusion, validation, splits.validation, np.array([thresholds[c] for c in CATEGORIES])
    )
    progress(f"thresholds {thresholds}; cascade floor {floor} ({report})")
    return Choices(thresholds, floor, report)


def fit_fusion_stage(
    model_dir: Path,
    *,
    examples: Sequence[Example] | None = None,
    data: Sequence[Path] = (DEFAULT_CORPUS,),
    config: TrainConfig | None = None,
    progress: Callable[[str], None] = log.info,
    chosen: Choices | None = None,
    lexicon: Matcher | None = None,
) -> ModelMeta:
    """Set fusion, thresholds and the cascade floor of a trained model directory; evaluate.

    The last stage of `train`, and on its own (`cluewatch train --fusion-only`)
    after the lexicon changed: thresholds and the cascade floor are chosen on
    fused scores that weigh lexicon matches, so they belong to one lexicon
    version. A directory written before fusion v3 gets the v3 fusion here.
    A refit model (trained on the validation families too) cannot choose on
    them: it keeps the choices made with its selection models (`chosen` in
    `train`, the stored ones on their own) and is re-evaluated.
    """
    config = config or TrainConfig()
    examples = list(examples) if examples is not None else load_corpus(data)
    splits = split(examples)
    meta = ModelMeta.read(model_dir)
    lexicon = lexicon or Matcher(load_data())
    scorer = _scorer(model_dir, lexicon)
    refit = meta.metrics.get("refit")
    if chosen is None and refit:
        chosen = Choices(
            {c: float(meta.thresholds.get(c, 0.5)) for c in CATEGORIES},
            float(meta.metrics.get("cascade_floor", 0.05)),
            dict(meta.metrics.get("cascade_validation") or {}),
        )
        progress("refit model: thresholds and cascade floor kept from its selection models")
    if chosen is None:
        chosen = choose_on_validation(scorer, splits, config, progress)
    scorer.thresholds = np.array([chosen.thresholds[c] for c in CATEGORIES])
    scorer.cascade_floor = chosen.cascade_floor
    scorer.cascade = True
    meta.fusion = scorer.fusion.to_dict()
    meta.thresholds = chosen.thresholds
    meta.lexicon_version = lexicon.version
    meta.stamp_scoring(chosen.cascade_floor)
    meta.metrics = {
        "best_epoch": meta.metrics.get("best_epoch"),
        "train_seconds": meta.metrics.get("train_seconds"),
        "threads": meta.metrics.get("threads"),
        "training_config": meta.metrics.get("training_config"),
        "refit": refit,
        "target_precision": config.target_precision,
        "cascade_floor": chosen.cascade_floor,
        "cascade_validation": chosen.cascade_report,
        "splits": {
            "train": len(splits.train),
            "validation_families": len(splits.validation),
            "test_in_distribution": len(splits.test_in_distribution),
            "test_held_out_families": len(splits.test_held_out),
        },
        "in_distribution": evaluate_all(scorer, splits.test_in_distribution),
        "held_out_families": evaluate_all(scorer, splits.test_held_out),
    }
    meta.write(model_dir)
    return meta


def choose_thresholds(
    fused: np.ndarray, examples: Sequence[Example], fusion: Fusion, target_precision: float
) -> dict[str, float]:
    """Per category: the lowest threshold from 0.5 up at which validation precision reaches the target.

    Precision is counted as the scorer flags (`category_flags`, with the
    fusion's secondary threshold). When no threshold on the grid (0.5 to 0.9)
    reaches the target, the most precise one is taken. Categories with too
    few validation positives keep 0.5. Measured by 5-fold cross-validation
    over validation families, thresholds searched freely (best F1 above a
    target precision, from 0.1) were chosen high and lost recall from fold
    to fold; 0.5 is where the averaged probabilities of two class-balanced
    models stand.
    """
    y = label_matrix(examples)
    out: dict[str, float] = {}
    for index, category in enumerate(CATEGORIES):
        truth = y[:, index] == 1
        out[category] = 0.5
        if int(truth.sum()) < MIN_VALIDATION_POSITIVES:
            continue
        most_precise = (-1.0, 0.5)
        for t in THRESHOLD_GRID:
            flagged = category_flags(fused, float(t), fusion.secondary)[:, index]
            precision = int((flagged & truth).sum()) / max(1, int(flagged.sum()))
            if precision >= target_precision:
                out[category] = float(t)
                break
            most_precise = max(most_precise, (precision, float(t)))
        else:
            out[category] = most_precise[1]
    return out


CASCADE_FLOORS = (0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01)


def choose_cascade_floor(
    fusion: Fusion, scored: Scored, examples: Sequence[Example], thresholds: np.ndarray
) -> tuple[float, dict[str, float]]:
    """The highest linear-probability floor whose cascade loses almost no validation clue.

    Counted are the clues the full scorer flags and the cascade does not: at
    most a quarter point of the clues (the target is at most half a point on
    test data). Clues the cascade flags and the full scorer misses do not
    offset them: with that offset (recall against recall) a floor of 0.5
    passed on validation and then lost 3.7 points of recall on the held-out
    families.
    """
    truth = label_matrix(examples).any(axis=1)
    positives = max(1, int(truth.sum()))
    full = category_flags(scored.fused, thresholds, fusion.secondary).any(axis=1)
    full_recall = float((full & truth).sum()) / positives
    for floor in CASCADE_FLOORS:
        run = cascade_runs(scored.analyses, scored.linear, floor, fusion)
        model = np.where(run[:, None], scored.model, scored.linear)
        fused = fuse_all(fusion, model, scored.linear, scored.analyses, scored.category)
        flagged = category_flags(fused, thresholds, fusion.secondary).any(axis=1)
        lost = float((full & truth & ~flagged).sum()) / positives
        if lost <= 0.0025:
            return floor, {
                "validation_recall_full": round(full_recall, 4),
                "validation_recall_cascade": round(float((flagged & truth).sum()) / positives, 4),
                "validation_clues_lost": round(lost, 4),
                "transformer_share": round(float(run.mean()), 4),
            }
    return 0.0, {"validation_recall_full": round(full_recall, 4)}


def evaluate_all(scorer: Scorer, examples: Sequence[Example]) -> dict[str, Any]:
    """Lexicon-only, linear-only, model-only, fused and cascade metrics on `examples`."""
    from classifier.report import score_sources, source_metrics

    if not examples:
        return {}
    return source_metrics(scorer, examples, score_sources(scorer, examples))
