"""PyTorch references of the token-classification head (`AutoModelForTokenClassification`) of
every family, for tests/unit/token-head.test.ts.

For BERT (tests/fixtures/bert-tiny-random) and each fixture checkpoint
(tests/fixtures/auto/<model_type>/checkpoint) it writes tests/fixtures/token-head/<type>.json:

- `loading`: what `from_pretrained(ckpt, num_labels=13, ignore_mismatched_sizes=True)` of the
  token model reports (missing, unexpected and mismatched keys) and `named_parameters()` order;
- `batch`: the first four sentences of WNUT 2017 (tests/fixtures/data/wnut17/wnut17train.conll)
  tokenized with `is_split_into_words=True`, padded to the longest, labels on each word's first
  sub-token and -100 elsewhere (the guide's `tokenize_and_align_labels`), and the eager model's
  logits, loss and gradients (dropout off) with the classifier loaded from the seeded
  `<type>.head.safetensors` beside it (the TypeScript test loads the same file);
- `label_smoothing`: transformers' `LabelSmoother(epsilon=0.1)` on the same logits and labels;
- `sentences`: the words and tags of the batch (the export tests read them as texts).

Run: python3 tests/python/make_token_head_reference.py
"""

import json
import os

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer
from transformers.trainer_pt_utils import LabelSmoother

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
OUT = os.path.join(FIX, "token-head")
WNUT = os.path.join(FIX, "data", "wnut17", "wnut17train.conll")
FALLBACK_WNUT = "/work/shared/data/wnut17/wnut17train.conll"
TAGS = [
    "B-corporation", "B-creative-work", "B-group", "B-location", "B-person", "B-product",
    "I-corporation", "I-creative-work", "I-group", "I-location", "I-person", "I-product", "O",
]
CHECKPOINTS = {
    "bert": os.path.join(FIX, "bert-tiny-random"),
    **{
        t: os.path.join(FIX, "auto", t, "checkpoint")
        for t in ["roberta", "xlm-roberta", "distilbert", "electra", "deberta-v2", "modernbert"]
    },
}
SENTENCES = 4
MAX_LENGTH = 48


def read_conll(path, n):
    sentences, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if words:
                    sentences.append((words, tags))
                    words, tags = [], []
                    if len(sentences) == n:
                        break
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    return sentences


def tokenizer_for(ckpt):
    tok = AutoTokenizer.from_pretrained(ckpt)
    try:
        tok(["a", "b"], is_split_into_words=True)
        return tok
    except Exception:  # byte-level BPE needs add_prefix_space for pre-split words
        return AutoTokenizer.from_pretrained(ckpt, add_prefix_space=True)


def encode(tok, sentences):
    enc = tok(
        [w for w, _ in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=MAX_LENGTH,
        padding="longest",
        return_tensors="pt",
    )
    labels = []
    for i, (_, tags) in enumerate(sentences):
        row, previous = [], None
        for wid in enc.word_ids(batch_index=i):
            row.append(-100 if wid is None or wid == previous else TAGS.index(tags[wid]))
            previous = wid
        labels.append(row)
    return {k: v for k, v in enc.items()}, torch.tensor(labels)


def r(values):
    return [float(f"{v:.9g}") for v in values]


def head_weights(model_type, hidden, seed):
    g = torch.Generator().manual_seed(seed)
    return {
        "classifier.weight": torch.randn(len(TAGS), hidden, generator=g) * 0.5,
        "classifier.bias": torch.randn(len(TAGS), generator=g) * 0.1,
    }


def reference(model_type, ckpt, sentences, seed):
    tok = tokenizer_for(ckpt)
    model, info = AutoModelForTokenClassification.from_pretrained(
        ckpt,
        num_labels=len(TAGS),
        id2label=dict(enumerate(TAGS)),
        label2id={t: i for i, t in enumerate(TAGS)},
        ignore_mismatched_sizes=True,
        output_loading_info=True,
        attn_implementation="eager",
    )
    head_path = os.path.join(OUT, f"{model_type}.head.safetensors")
    if not os.path.exists(head_path):
        save_file(head_weights(model_type, model.config.hidden_size, seed), head_path)
    head = load_file(head_path)
    with torch.no_grad():
        params = dict(model.named_parameters())
        for name, t in head.items():
            params[name].copy_(t)
    enc, labels = encode(tok, sentences)
    model.eval()  # dropout off; gradients still flow
    model.zero_grad()
    out = model(**enc, labels=labels)
    out.loss.backward()
    smoothed = LabelSmoother(epsilon=0.1)({"logits": out.logits.detach()}, labels)
    names = [n for n, _ in model.named_parameters()]
    head_names = [n for n in names if n.startswith("classifier")]
    full = head_names + [[n for n in names if n not in head_names][-1]]
    return {
        "architecture": type(model).__name__,
        "loading": {
            "missing": sorted(info["missing_keys"]),
            "unexpected": sorted(info["unexpected_keys"]),
            "mismatched": sorted(k for k, _, _ in info["mismatched_keys"]),
            "param_order": names,
        },
        "batch": {
            **{k: v.tolist() for k, v in enc.items()},
            "labels": labels.tolist(),
            "logits": [[r(t) for t in row] for row in out.logits.tolist()],
            "loss": float(out.loss.detach()),
            "grad_norms": {n: float(p.grad.double().norm()) for n, p in model.named_parameters()},
            "grads": {n: r(p.grad.flatten().tolist()) for n, p in model.named_parameters() if n in full},
        },
        "label_smoothing": {"epsilon": 0.1, "loss": float(smoothed)},
        "sentences": [{"words": w, "tags": t} for w, t in sentences],
        "note": (
            "Made by tests/python/make_token_head_reference.py with transformers "
            f"{__import__('transformers').__version__}, torch {torch.__version__}."
        ),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    sentences = read_conll(WNUT if os.path.exists(WNUT) else FALLBACK_WNUT, SENTENCES)
    for seed, (model_type, ckpt) in enumerate(CHECKPOINTS.items()):
        ref = reference(model_type, ckpt, sentences, 1000 + seed)
        path = os.path.join(OUT, f"{model_type}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(ref, f, separators=(",", ":"))
            f.write("\n")
        print(f"{model_type}: {ref['architecture']} loss {ref['batch']['loss']:.6f} -> {path}")


if __name__ == "__main__":
    main()
