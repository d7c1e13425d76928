#!/usr/bin/env python3
"""Trains the studio's run with transformers' Trainer, on one GPU, many GPUs or many machines.

Written by Trainer Studio ("Run it elsewhere", or `npx studio export-script`). Run it as

    accelerate launch [--config_file accelerate_config.yaml] train.py args.json [--flag value ...]
    torchrun --nproc_per_node N train.py args.json [--flag value ...]
    python train.py args.json [--flag value ...]          # one process

Flags after the JSON override it (`--output_dir D --num_train_epochs 1`). The JSON holds four
groups of arguments, split by name as HfArgumentParser.parse_json_file splits them:
ModelArguments, DataArguments, StudioArguments (the studio's extensions) and transformers'
TrainingArguments. It reads CSV/TSV, JSON Lines, JSON and Parquet (Parquet needs pandas and
pyarrow), tokenizes as the studio did, keeps its label order (id2label), builds the same model,
logs the studio's metrics, and writes an HF output folder (model, tokenizer, trainer_state.json,
training_args.json, studio_args.json) that the studio opens again.

Needs: pip install -r requirements.txt
"""

import csv
import io
import json
import math
import os
import random
import shutil
import sys
import warnings
from dataclasses import dataclass, field, fields
from typing import List, Optional

import numpy as np
import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    HfArgumentParser,
    Trainer,
    TrainerCallback,
    TrainerState,
    TrainingArguments,
    set_seed,
)


@dataclass
class ModelArguments:
    model_name_or_path: Optional[str] = field(
        default=None, metadata={"help": "checkpoint to fine-tune: a folder or a Hub id"}
    )
    model_config: Optional[str] = field(
        default=None,
        metadata={"help": "folder with the config.json of a model trained from scratch"},
    )
    initial_weights: Optional[str] = field(
        default=None,
        metadata={"help": "folder with the studio's step-0 weights (config.json + model.safetensors)"},
    )
    tokenizer_name_or_path: Optional[str] = field(
        default=None, metadata={"help": "tokenizer folder or Hub id (default: the model's)"}
    )
    studio_checkpoint: Optional[str] = field(
        default=None,
        metadata={"help": "a studio checkpoint-N folder to continue from (converted to an HF checkpoint)"},
    )


@dataclass
class DataArguments:
    train_file: Optional[str] = field(default=None, metadata={"help": "CSV/TSV/JSONL/JSON/Parquet"})
    validation_file: Optional[str] = field(default=None, metadata={"help": "else a split of train_file"})
    validation_split: float = field(
        default=0.1, metadata={"help": "fraction held out (the studio's seeded stratified split)"}
    )
    text_column: Optional[str] = field(default=None)
    text_pair_column: Optional[str] = field(default=None)
    label_column: Optional[str] = field(default=None)
    max_length: int = field(default=64, metadata={"help": "tokens per row, special tokens included"})
    header: Optional[bool] = field(default=None, metadata={"help": "whether row 1 names the columns"})
    delimiter: Optional[str] = field(default=None, metadata={"help": "CSV separator ('tab' for a tab)"})
    problem_type: Optional[str] = field(
        default=None,
        metadata={"help": "single_label_classification, multi_label_classification or regression"},
    )
    label_list: Optional[List[str]] = field(
        default=None, metadata={"help": "labels in id order (the studio's id2label)"}
    )
    label_delimiter: str = field(default=";", metadata={"help": "separator of multi-label values"})
    task: Optional[str] = field(
        default=None,
        metadata={"help": "'token-classification' for tagged words (CoNLL, JSON Lines tokens + ner_tags)"},
    )
    label_all_tokens: bool = field(
        default=False,
        metadata={"help": "token classification: tag every sub-token of a word (B- becomes I- after the first)"},
    )


@dataclass
class StudioArguments:
    class_weights: Optional[str] = field(
        default=None, metadata={"help": "'balanced' or a JSON list: a weighted cross-entropy"}
    )
    nan_policy: str = field(default="stop", metadata={"help": "'stop' or 'skip' a non-finite step"})
    early_stopping_patience: Optional[int] = field(default=None)
    early_stopping_threshold: float = field(default=0.0)


GROUPS = (ModelArguments, DataArguments, StudioArguments, TrainingArguments)


def parse_arguments(argv):
    """ARGS_JSON [--flag value ...]: the JSON's values become the defaults, flags override them."""
    parser = HfArgumentParser(GROUPS)
    if argv and argv[0].endswith(".json"):
        path, rest = argv[0], argv[1:]
        with open(path, encoding="utf-8") as f:
            given = json.load(f)
        if "max_seq_length" in given:  # the name in transformers' example scripts
            given["max_length"] = given.pop("max_seq_length")
        known = {f.name for group in GROUPS for f in fields(group) if f.init}
        unknown = sorted(set(given) - known)
        if unknown:
            sys.exit(f"{path}: not an argument of this script: {', '.join(unknown)}")
        for key in ("class_weights",):
            if isinstance(given.get(key), list):
                given[key] = json.dumps(given[key])
        parser.set_defaults(**given)
        base = os.path.dirname(os.path.abspath(path))
    else:
        rest, base = argv, os.getcwd()
    model_args, data_args, studio_args, training_args = parser.parse_args_into_dataclasses(args=rest)
    return model_args, data_args, studio_args, training_args, base


# --- Reading files as the studio does ------------------------------------------------------

def read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".gz"):
        import gzip

        raw = gzip.decompress(raw)
    return raw


def decode_text(raw):
    """UTF-8 (with or without a BOM), else Windows-1252 (the encoding of many spreadsheet CSVs)."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def read_table(path, header=None, delimiter=None):
    """The file's rows as dicts of strings (column name -> value)."""
    name = path.lower()[:-3] if path.lower().endswith(".gz") else path.lower()
    if name.endswith(".parquet"):
        try:
            import pandas as pd
        except ImportError:
            sys.exit(f"{path}: reading Parquet needs pandas and pyarrow (pip install pandas pyarrow)")
        frame = pd.read_parquet(path)
        return [{k: as_text(v) for k, v in row.items()} for row in frame.to_dict("records")]
    text = decode_text(read_bytes(path))
    if name.endswith((".jsonl", ".ndjson")):
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [{k: as_text(v) for k, v in r.items()} for r in rows]
    if name.endswith(".json"):
        data = json.loads(text)
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [])
        return [{k: as_text(v) for k, v in r.items()} for r in data]
    return read_csv(text, name, header, delimiter)


def as_text(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(as_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_csv(text, name, header, delimiter):
    if delimiter == "tab":
        delimiter = "\t"
    if delimiter is None:
        if name.endswith(".tsv"):
            delimiter = "\t"
        else:
            try:
                delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",\t;|").delimiter
            except csv.Error:
                delimiter = ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    if not rows:
        return []
    if header is None:
        header = True  # --header false for a file without one
    names = rows[0] if header else [f"column_{i + 1}" for i in range(len(rows[0]))]
    body = rows[1:] if header else rows
    # Ragged rows: missing fields read as empty, extra ones are left out (as the studio does).
    return [{n: (r[i] if i < len(r) else "") for i, n in enumerate(names) if n not in ("",)} for r in body]


# --- The studio's split (seeded, stratified) -------------------------------------------------

M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def _splitmix32(x):
    x = (x + 0x9E3779B9) & M32
    z = _imul(x ^ (x >> 16), 0x21F0AAAD)
    z = _imul(z ^ (z >> 15), 0x735A2D97)
    return (z ^ (z >> 15)) & M32


class StudioRng:
    """The studio's sfc32 generator seeded through splitmix32 (src/core/util/rng.ts)."""

    def __init__(self, seed):
        if not (isinstance(seed, int) and 0 <= seed < 2**32):
            raise ValueError("the studio's split takes an integer seed in [0, 2^32)")
        self.a = _splitmix32(seed)
        self.b = _splitmix32(self.a ^ 0x85EBCA6B)
        self.c = _splitmix32(self.b ^ 0xC2B2AE35)
        self.d = _splitmix32(self.c ^ 0x27D4EB2F)
        for _ in range(12):
            self.next_u32()

    def next_u32(self):
        t = (self.a + self.b + self.d) & M32
        self.d = (self.d + 1) & M32
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + (self.c << 3)) & M32
        self.c = ((self.c << 21) | (self.c >> 11)) & M32
        self.c = (self.c + t) & M32
        return t

    def next(self):
        return self.next_u32() / 4294967296.0


def stratified_split(strata, fraction, seed):
    """Row indices (train, validation), as the studio's stratifiedSplit (src/core/data/split.ts)."""
    by_class = {}
    for i, c in enumerate(strata):
        by_class.setdefault(c, []).append(i)
    rng = StudioRng(seed)
    train, validation = [], []
    for c in sorted(by_class):
        idx = by_class[c]
        for i in range(len(idx) - 1, 0, -1):
            j = math.floor(rng.next() * (i + 1))
            idx[i], idx[j] = idx[j], idx[i]
        n_val = math.floor(fraction * len(idx) + 0.5)
        n_val = min(max(n_val, 1), len(idx) - 1) if len(idx) >= 2 else 0
        validation.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return sorted(train), sorted(validation)


# --- Examples and labels ---------------------------------------------------------------------

def split_labels(value, delimiter):
    out = []
    for part in value.split(delimiter):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def examples(rows, data_args):
    """(texts, pairs or None, label strings) of the rows with a text and a label."""
    text_col = data_args.text_column or next(iter(rows[0]))
    label_col = data_args.label_column or list(rows[0])[-1]
    for col in (text_col, label_col, data_args.text_pair_column):
        if col is not None and col not in rows[0]:
            sys.exit(f"no column {col!r}; the file has {', '.join(rows[0])}")
    keep = [r for r in rows if r[text_col].strip() and r[label_col].strip()]
    texts = [r[text_col] for r in keep]
    pairs = [r[data_args.text_pair_column] for r in keep] if data_args.text_pair_column else None
    return texts, pairs, [r[label_col].strip() for r in keep]


def detect_task(labels, data_args):
    if data_args.problem_type:
        return data_args.problem_type
    try:
        values = [float(v) for v in labels]
        if any(not v.is_integer() for v in values) or len(set(values)) > 20:
            return "regression"
    except ValueError:
        pass
    if any(data_args.label_delimiter in v for v in labels):
        return "multi_label_classification"
    return "single_label_classification"


class LabelCoder:
    def __init__(self, problem_type, names, delimiter):
        self.problem_type, self.names, self.delimiter = problem_type, names, delimiter
        self.label2id = {n: i for i, n in enumerate(names)}

    def encode(self, value):
        if self.problem_type == "regression":
            return float(value)
        if self.problem_type == "multi_label_classification":
            hot = [0.0] * len(self.names)
            for part in split_labels(value, self.delimiter):
                hot[self.label2id[part]] = 1.0
            return hot
        if value not in self.label2id:
            sys.exit(f"the label {value!r} is not one of the training labels {self.names[:10]}")
        return self.label2id[value]

    def stratum(self, target):
        if self.problem_type == "regression":
            return 0
        if self.problem_type == "multi_label_classification":
            return next((k for k, x in enumerate(target) if x != 0), 0)
        return target


def label_names_of(labels, problem_type, delimiter):
    if problem_type == "regression":
        return ["LABEL_0"]
    if problem_type == "multi_label_classification":
        return sorted({p for v in labels for p in split_labels(v, delimiter)})
    return sorted(set(labels))  # code-point order, as the studio and datasets' class_encode_column


def load_splits(data_args, seed, base):
    def path(p):
        return p if os.path.isabs(p) or os.path.exists(p) else os.path.join(base, p)

    if not data_args.train_file:
        sys.exit("give --train_file (the data file) or an arguments JSON that names it")
    main = examples(read_table(path(data_args.train_file), data_args.header, data_args.delimiter), data_args)
    problem_type = detect_task(main[2], data_args)
    names = data_args.label_list or label_names_of(main[2], problem_type, data_args.label_delimiter)
    coder = LabelCoder(problem_type, names, data_args.label_delimiter)
    if data_args.validation_file:
        val_rows = read_table(path(data_args.validation_file), data_args.header, data_args.delimiter)
        train, val = main, examples(val_rows, data_args)
    else:
        targets = [coder.encode(v) for v in main[2]]
        ti, vi = stratified_split([coder.stratum(t) for t in targets], data_args.validation_split, seed)

        def pick(part, idx):
            texts, pairs, labels = part
            return [texts[i] for i in idx], ([pairs[i] for i in idx] if pairs else None), [labels[i] for i in idx]

        train, val = pick(main, ti), pick(main, vi)
    return train, val, coder


class TokenizedRows(torch.utils.data.Dataset):
    def __init__(self, part, tokenizer, coder, max_length):
        texts, pairs, labels = part
        self.enc = tokenizer(texts, pairs, truncation=True, max_length=max_length)
        self.labels = [coder.encode(v) for v in labels]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {**{k: v[i] for k, v in self.enc.items()}, "labels": self.labels[i]}


# --- Metrics (the studio's names: src/core/train/metrics.ts) ---------------------------------

def _div(a, b):
    return a / b if b else 0.0


def _f1(tp, fp, fn):
    p, r = _div(tp, tp + fp), _div(tp, tp + fn)
    return p, r, _div(2 * p * r, p + r)


def metrics_for(problem_type, num_labels):
    def single(preds, labels):
        present = sorted(set(labels.tolist()) | set(preds.tolist()))
        scores, support = [], []
        for c in present:
            tp = int(((preds == c) & (labels == c)).sum())
            fp = int(((preds == c) & (labels != c)).sum())
            fn = int(((preds != c) & (labels == c)).sum())
            scores.append(_f1(tp, fp, fn))
            support.append(int((labels == c).sum()))
        mean = lambda xs: _div(sum(xs), len(xs))  # noqa: E731
        return {
            "accuracy": float((preds == labels).mean()) if len(labels) else 0.0,
            "f1_macro": mean([s[2] for s in scores]),
            "f1_weighted": _div(sum(s[2] * n for s, n in zip(scores, support)), sum(support)),
            "precision_macro": mean([s[0] for s in scores]),
            "recall_macro": mean([s[1] for s in scores]),
        }

    def multi(logits, labels):
        p, y = logits > 0, labels > 0.5
        tp, fp, fn = (p & y).sum(0), (p & ~y).sum(0), (~p & y).sum(0)
        return {
            "exact_match": float((p == y).all(1).mean()),
            "f1_micro": _f1(int(tp.sum()), int(fp.sum()), int(fn.sum()))[2],
            "f1_macro": _div(sum(_f1(int(a), int(b), int(c))[2] for a, b, c in zip(tp, fp, fn)), num_labels),
        }

    def regression(pred, labels):
        pred, labels = pred.reshape(-1).astype(np.float64), labels.reshape(-1).astype(np.float64)
        se, ss_tot = float(((pred - labels) ** 2).sum()), float(((labels - labels.mean()) ** 2).sum())

        def pearson(x, y):
            if len(x) < 2 or x.std() == 0 or y.std() == 0:
                return float("nan")
            return float(max(-1.0, min(1.0, np.corrcoef(x, y)[0, 1])))

        def ranks(x):
            order = np.argsort(x, kind="stable")
            r = np.empty(len(x))
            i = 0
            while i < len(x):
                j = i
                while j + 1 < len(x) and x[order[j + 1]] == x[order[i]]:
                    j += 1
                r[order[i : j + 1]] = (i + j) / 2 + 1
                i = j + 1
            return r

        return {
            "mse": _div(se, len(labels)),
            "mae": float(np.abs(pred - labels).mean()) if len(labels) else 0.0,
            "r2": (1.0 if se == 0 else 0.0) if ss_tot == 0 else 1 - se / ss_tot,
            "pearson": pearson(pred, labels),
            "spearman": pearson(ranks(pred), ranks(labels)),
        }

    def compute(ev):
        logits = ev.predictions[0] if isinstance(ev.predictions, tuple) else ev.predictions
        if problem_type == "regression":
            return regression(logits, ev.label_ids)
        if problem_type == "multi_label_classification":
            return multi(logits, ev.label_ids)
        return single(np.argmax(logits, -1), ev.label_ids)

    return compute


# --- Token classification (transformers' token-classification guide, run_ner.py) -------------

def read_tagged(path, label_list=None):
    """(words, tag names) per sentence of a CoNLL/IOB file (the tag in the last column, a blank
    line between sentences, -DOCSTART- skipped) or JSON Lines with tokens and ner_tags."""
    text = decode_text(read_bytes(path))
    name = path.lower()[:-3] if path.lower().endswith(".gz") else path.lower()
    sentences = []
    if name.endswith((".jsonl", ".ndjson", ".json")):
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "tokens" not in row or "ner_tags" not in row:
                sys.exit(f"{path} line {n}: expected an object with tokens and ner_tags")
            tags = row["ner_tags"]
            if tags and isinstance(tags[0], int):
                if not label_list:
                    sys.exit(f"{path}: ner_tags are ids; give --label_list with the tag names in id order")
                tags = [label_list[t] for t in tags]
            sentences.append(([str(w) for w in row["tokens"]], [str(t) for t in tags]))
        return sentences
    words, tags = [], []
    for line in text.splitlines() + [""]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        words.append(parts[0])
        tags.append(parts[-1])
    return sentences


def load_tagged_splits(data_args, seed, base):
    """The train and validation sentences: a validation file, else the studio's seeded split of
    the sentences (one stratum, as src/core/session/tagged.ts splitTagged); and the tag names."""
    def path(p):
        return p if os.path.isabs(p) or os.path.exists(p) else os.path.join(base, p)

    if not data_args.train_file:
        sys.exit("give --train_file (the data file) or an arguments JSON that names it")
    main = read_tagged(path(data_args.train_file), data_args.label_list)
    if data_args.validation_file:
        train, val = main, read_tagged(path(data_args.validation_file), data_args.label_list)
    else:
        ti, vi = stratified_split([0] * len(main), data_args.validation_split, seed)
        train, val = [main[i] for i in ti], [main[i] for i in vi]
    names = data_args.label_list or sorted({t for _, tags in main for t in tags})
    unknown = sorted({t for _, tags in train + val for t in tags} - set(names))
    if unknown:
        sys.exit(f"tags {unknown} are not among the training tags {names}")
    return train, val, names


def b_to_i_label(names):
    """run_ner.py's b_to_i_label: each tag's id, B-X's being I-X's where the data has I-X."""
    out = []
    for n in names:
        inside = "I-" + n[2:]
        out.append(names.index(inside) if n.startswith("B-") and inside in names else names.index(n))
    return out


class TaggedRows(torch.utils.data.Dataset):
    """The guide's tokenize_and_align_labels: words tokenized with is_split_into_words, each
    word's tag on its first sub-token and -100 on the rest and on special tokens (with
    label_all_tokens, the rest get the tag too, B- as I-)."""

    def __init__(self, sentences, tokenizer, names, max_length, label_all_tokens):
        label2id = {n: i for i, n in enumerate(names)}
        inside = b_to_i_label(names)
        self.rows = []
        for words, tags in sentences:
            enc = tokenizer(words, truncation=True, max_length=max_length, is_split_into_words=True)
            labels, previous = [], None
            for word in enc.word_ids():
                if word is None:
                    labels.append(-100)
                elif word != previous:
                    labels.append(label2id[tags[word]])
                else:
                    labels.append(inside[label2id[tags[word]]] if label_all_tokens else -100)
                previous = word
            self.rows.append({**enc, "labels": labels})

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def seqeval_entities(sentences):
    """seqeval's default (conlleval-style) chunks (type, first, last) of tag sentences, joined
    with an "O" after each (the rules of tests/python/seqeval_rules.py in the studio)."""
    seq = [t for s in sentences for t in s + ["O"]] + ["O"]
    prev_tag, prev_type, begin, chunks = "O", "", 0, []
    for i, label in enumerate(seq):
        tag, type_ = label[0], label[1:].split("-", maxsplit=1)[-1] or "_"
        end = (
            prev_tag in ("E", "S")
            or (prev_tag in ("B", "I") and tag in ("B", "S", "O"))
            or (prev_tag not in ("O", ".") and prev_type != type_)
        )
        if end:
            chunks.append((prev_type, begin, i - 1))
        start = (
            tag in ("B", "S")
            or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
            or (tag not in ("O", ".") and prev_type != type_)
        )
        if start:
            begin = i
        prev_tag, prev_type = tag, type_
    return set(chunks)


def tagged_metrics(names):
    """compute_metrics as the guide's, with seqeval's default mode: precision, recall, F1 over
    entities (type and exact span) and accuracy over the labelled tokens."""

    def compute(ev):
        logits = ev.predictions[0] if isinstance(ev.predictions, tuple) else ev.predictions
        preds = np.argmax(logits, -1)
        gold, pred = [], []
        for p_row, l_row in zip(preds, ev.label_ids):
            keep = l_row != -100
            gold.append([names[i] for i in l_row[keep]])
            pred.append([names[i] for i in p_row[keep]])
        true, found = seqeval_entities(gold), seqeval_entities(pred)
        tp = len(true & found)
        precision, recall = _div(tp, len(found)), _div(tp, len(true))
        flat = [(g, p) for gs, ps in zip(gold, pred) for g, p in zip(gs, ps)]
        return {
            "precision": precision,
            "recall": recall,
            "f1": _div(2 * precision * recall, precision + recall),
            "accuracy": _div(sum(g == p for g, p in flat), len(flat)),
        }

    return compute


def load_tokenizer(source, tagged):
    """AutoTokenizer; for words, a byte-level BPE tokenizer with add_prefix_space=True (as the
    guide and run_ner.py load RoBERTa's, and as the studio tokenizes words)."""
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tagged and tokenizer.is_fast and "ByteLevel" in repr(tokenizer.backend_tokenizer.pre_tokenizer):
        tokenizer = AutoTokenizer.from_pretrained(source, add_prefix_space=True)
    return tokenizer


# --- The studio's extensions -----------------------------------------------------------------

def balanced_weights(labels, num_labels):
    """sklearn's compute_class_weight('balanced'): n / (classes * count); absent classes 1."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_labels)
    present = int((counts > 0).sum())
    return [len(labels) / (present * c) if c else 1.0 for c in counts]


class StudioTrainer(Trainer):
    """class_weights as a weighted CrossEntropyLoss; nan_policy 'skip' drops a non-finite step."""

    def __init__(self, *args, class_weights=None, nan_policy="stop", **kwargs):
        super().__init__(*args, **kwargs)
        self.class_weights = class_weights
        self.nan_policy = nan_policy

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.class_weights is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        weight = torch.tensor(self.class_weights, dtype=outputs.logits.dtype, device=outputs.logits.device)
        loss = torch.nn.functional.cross_entropy(
            outputs.logits.view(-1, outputs.logits.shape[-1]),
            labels.view(-1),
            weight=weight,
            label_smoothing=self.args.label_smoothing_factor,
        )
        return (loss, outputs) if return_outputs else loss

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        if not torch.isfinite(loss).all():
            step = self.state.global_step + 1
            if self.nan_policy == "stop":
                raise RuntimeError(
                    f"The training loss became {loss.item()} at step {step} (nan_policy 'stop'). "
                    "Try a 10x lower learning_rate, or add warmup_steps."
                )
            # 'skip': this step's gradients are dropped and its loss not counted.
            model.zero_grad(set_to_none=False)
            return torch.zeros_like(loss)
        return loss


class NonFiniteLogCallback(TrainerCallback):
    """Says so in the log when a step was skipped for a non-finite loss."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs and not math.isfinite(logs["loss"]):
            print(f"warning: non-finite loss logged at step {state.global_step}")


# --- Continuing from a studio checkpoint -----------------------------------------------------

def convert_studio_checkpoint(src, dst, trainer):
    """A studio checkpoint-N folder (safetensors + JSON) as an HF checkpoint folder
    (model.safetensors, optimizer.pt, scheduler.pt, rng_state.pth, trainer_state.json)."""
    from safetensors.torch import load_file

    os.makedirs(dst, exist_ok=True)
    for name in ("model.safetensors", "config.json"):
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
    with open(os.path.join(src, "trainer_state.json"), encoding="utf-8") as f:
        state = json.load(f)
    known = {f.name for f in fields(TrainerState)}
    state = {k: v for k, v in state.items() if k in known}
    with open(os.path.join(dst, "trainer_state.json"), "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2)
    global_step = int(state["global_step"])

    moments = load_file(os.path.join(src, "optimizer.safetensors"))
    with open(os.path.join(src, "scheduler.json"), encoding="utf-8") as f:
        optimizer_step = int(json.load(f).get("optimizer_step", global_step))
    # The Trainer's own AdamW, param groups as create_optimizer builds them (decay / no decay).
    optimizer = trainer.create_optimizer()
    name_of = {id(p): n for n, p in trainer.model.named_parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            n = name_of[id(p)]
            optimizer.state[p] = {
                "step": torch.tensor(float(optimizer_step)),
                "exp_avg": moments[f"exp_avg.{n}"].reshape(p.shape).to(p.dtype),
                "exp_avg_sq": moments[f"exp_avg_sq.{n}"].reshape(p.shape).to(p.dtype),
            }
    scheduler = trainer.create_scheduler(num_training_steps=int(state["max_steps"]), optimizer=optimizer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stepping the schedule without optimizer steps, on purpose
        for _ in range(global_step):
            scheduler.step()
    torch.save(optimizer.state_dict(), os.path.join(dst, "optimizer.pt"))
    torch.save(scheduler.state_dict(), os.path.join(dst, "scheduler.pt"))
    # The studio's dropout masks come from its own hash RNG, which torch cannot continue: the
    # resumed run seeds torch's generators from (seed, step) instead.
    set_seed(trainer.args.seed + global_step)
    rng = {"python": random.getstate(), "numpy": np.random.get_state(), "cpu": torch.random.get_rng_state()}
    torch.save(rng, os.path.join(dst, "rng_state.pth"))
    trainer.optimizer, trainer.lr_scheduler = None, None  # train() builds them again and loads these
    return global_step


# --- The run ---------------------------------------------------------------------------------

def resolve(path, base):
    """A path from the arguments JSON: as given when it exists, else beside the JSON."""
    if path is None or os.path.isabs(path) or os.path.exists(path):
        return path
    beside = os.path.join(base, path)
    return beside if os.path.exists(beside) else path


def build_model(model_args, names, problem_type, base, auto=AutoModelForSequenceClassification):
    labels = {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {n: i for i, n in enumerate(names)},
        **({"problem_type": problem_type} if problem_type else {}),
    }
    initial = resolve(model_args.initial_weights, base)
    if initial and os.path.exists(os.path.join(initial, "model.safetensors")):
        return auto.from_pretrained(initial), "the studio's step-0 weights"
    if model_args.model_name_or_path:
        source = resolve(model_args.model_name_or_path, base)
        return auto.from_pretrained(source, **labels), source
    if not model_args.model_config:
        sys.exit("give --model_name_or_path, --model_config or --initial_weights")
    config = AutoConfig.from_pretrained(resolve(model_args.model_config, base), **labels)
    return auto.from_config(config), "a new model (torch's initialisation)"


def main(argv):
    model_args, data_args, studio_args, args, base = parse_arguments(argv)
    set_seed(args.seed)
    tagged = data_args.task == "token-classification"
    tok_source = resolve(model_args.tokenizer_name_or_path, base) or resolve(model_args.model_name_or_path, base)
    tokenizer = load_tokenizer(tok_source, tagged)
    if tagged:
        train_part, val_part, names = load_tagged_splits(data_args, args.seed, base)
        problem_type, compute_metrics = "token classification", tagged_metrics(names)
        model, model_source = build_model(model_args, names, None, base, AutoModelForTokenClassification)
        train_ds, val_ds = (
            TaggedRows(part, tokenizer, names, data_args.max_length, data_args.label_all_tokens)
            for part in (train_part, val_part)
        )
        collator = DataCollatorForTokenClassification(tokenizer)
        train_labels = [t for row in train_ds.rows for t in row["labels"] if t != -100]
    else:
        train_part, val_part, coder = load_splits(data_args, args.seed, base)
        problem_type, names = coder.problem_type, coder.names
        model, model_source = build_model(model_args, names, problem_type, base)
        train_ds = TokenizedRows(train_part, tokenizer, coder, data_args.max_length)
        val_ds = TokenizedRows(val_part, tokenizer, coder, data_args.max_length)
        collator, compute_metrics = DataCollatorWithPadding(tokenizer), metrics_for(problem_type, len(names))
        train_labels = train_ds.labels
    # transformers#47688: the ...ForSequenceClassification models take **kwargs but ignore
    # num_items_in_batch, so without this the loss is not divided by gradient_accumulation_steps.
    # For tokens too, as the studio does it: each micro-batch's mean over its labelled tokens,
    # divided by gradient_accumulation_steps (see tokenClassificationLoss in the studio).
    model.accepts_loss_kwargs = False

    weights = studio_args.class_weights
    if weights == "balanced":
        weights = balanced_weights(train_labels, len(names))
    elif weights is not None:
        weights = [float(w) for w in json.loads(weights if weights.startswith("[") else f"[{weights}]")]
    callbacks = [NonFiniteLogCallback()]
    if studio_args.early_stopping_patience is not None:
        callbacks.append(
            EarlyStoppingCallback(studio_args.early_stopping_patience, studio_args.early_stopping_threshold)
        )
    trainer = StudioTrainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=val_ds if len(val_ds) else None,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=callbacks,
        class_weights=weights,
        nan_policy=studio_args.nan_policy,
    )
    if trainer.is_world_process_zero():
        print(
            f"train {len(train_ds)} rows, validation {len(val_ds)} rows; labels {names}; "
            f"{problem_type}; model: {model_source}; {args.world_size} process(es)",
            flush=True,
        )

    resume = args.resume_from_checkpoint
    studio_ck = resolve(model_args.studio_checkpoint, base)
    if studio_ck:
        with open(os.path.join(studio_ck, "trainer_state.json"), encoding="utf-8") as f:
            step = json.load(f)["global_step"]
        resume = os.path.join(args.output_dir, f"checkpoint-{step}")
        with args.main_process_first(local=False, desc="converting the studio checkpoint"):
            if not os.path.exists(os.path.join(resume, "optimizer.pt")):
                convert_studio_checkpoint(studio_ck, resume, trainer)
        trainer.optimizer, trainer.lr_scheduler = None, None
        if trainer.is_world_process_zero():
            print(f"continuing the studio's run from step {step} ({resume})", flush=True)
    result = trainer.train(resume_from_checkpoint=resume)
    metrics = dict(result.metrics)
    # train_results.json and eval_results.json, both also in all_results.json (as the studio writes).
    trainer.save_metrics("train", result.metrics)
    last_eval = next((e for e in reversed(trainer.state.log_history) if "eval_loss" in e), None)
    if trainer.eval_dataset is not None:
        if last_eval is None or last_eval["step"] != trainer.state.global_step or args.load_best_model_at_end:
            eval_metrics = trainer.evaluate()  # the final model's metrics, as the studio reports
        else:
            eval_metrics = {k: v for k, v in last_eval.items() if k.startswith("eval_")}
        trainer.save_metrics("eval", eval_metrics)
        metrics.update(eval_metrics)
    trainer.save_model(args.output_dir)
    trainer.save_state()
    if trainer.is_world_process_zero():
        write_run_files(args, data_args, studio_args, model_args)
        print(json.dumps(metrics, indent=2), flush=True)


def write_run_files(args, data_args, studio_args, model_args):
    """training_args.json (transformers' fields) and studio_args.json, as the studio writes them."""
    out = args.output_dir
    with open(os.path.join(out, "training_args.json"), "w", encoding="utf-8") as f:
        f.write(args.to_json_string())
    extras = {k: v for k, v in vars(studio_args).items() if v is not None}
    if isinstance(extras.get("class_weights"), str) and extras["class_weights"] != "balanced":
        extras["class_weights"] = json.loads(extras["class_weights"])
    tagged = data_args.task == "token-classification"  # the columns the studio names for tags
    run = {
        "max_length": data_args.max_length,
        "text_column": "tokens" if tagged else data_args.text_column,
        "label_column": "ner_tags" if tagged else data_args.label_column,
        "text_pair_column": data_args.text_pair_column,
    }
    extras.update({k: v for k, v in run.items() if v is not None})
    with open(os.path.join(out, "studio_args.json"), "w", encoding="utf-8") as f:
        json.dump(extras, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1:])
