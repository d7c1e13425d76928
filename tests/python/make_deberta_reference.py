"""Reference vectors for the DeBERTa-v2 family tests (tests/unit/family-deberta.test.ts).

Reads the fixture checkpoint tests/fixtures/auto/deberta-v2/checkpoint with transformers and writes
tests/fixtures/auto/deberta-v2/reference.json:

- input_ids / attention_mask of validation.csv as AutoTokenizer gives them (truncation to 48),
  padded to the longest row, and the eager model's logits on them (eval mode);
- a labelled, padded batch of the first train.csv rows: the loss, every parameter's gradient
  norm, and the full gradient of a few parameters (dropout off: the fixture's config has it at 0);
- make_log_bucket_position's buckets for a few (position_buckets, max_position) pairs, so the
  host-side bucket table can be checked against torch's float32 arithmetic.

Run: python3 tests/python/make_deberta_reference.py
"""

import csv
import json
import os

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.models.deberta_v2.modeling_deberta_v2 import make_log_bucket_position

ROOT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "auto", "deberta-v2")
CKPT = os.path.join(ROOT, "checkpoint")
FULL_GRADS = [
    "deberta.encoder.rel_embeddings.weight",
    "deberta.encoder.LayerNorm.weight",
    "deberta.encoder.layer.0.attention.self.query_proj.weight",
    "deberta.encoder.layer.1.attention.self.key_proj.bias",
    "deberta.embeddings.LayerNorm.weight",
    "pooler.dense.weight",
    "classifier.weight",
    "classifier.bias",
]
TRAIN_ROWS = 12


def rows(name):
    with open(os.path.join(ROOT, name), newline="") as f:
        return list(csv.DictReader(f))


def main():
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(CKPT)
    model = AutoModelForSequenceClassification.from_pretrained(CKPT, attn_implementation="eager")
    model.eval()
    label2id = model.config.label2id

    val = rows("validation.csv")
    enc = tok([r["text"] for r in val], truncation=True, max_length=48, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits

    train = rows("train.csv")[:TRAIN_ROWS]
    tenc = tok([r["text"] for r in train], truncation=True, max_length=48, padding=True, return_tensors="pt")
    labels = torch.tensor([label2id[r["label"]] for r in train])
    model.train()  # the config's dropouts are all 0
    model.zero_grad()
    out = model(input_ids=tenc["input_ids"], attention_mask=tenc["attention_mask"], labels=labels)
    out.loss.backward()
    grad_norms = {n: p.grad.norm().item() if p.grad is not None else 0.0 for n, p in model.named_parameters()}
    full = {n: p.grad.flatten().tolist() for n, p in model.named_parameters() if n in FULL_GRADS}

    buckets = []
    for bucket_size, max_position, length in [(16, 48, 48), (256, 512, 300), (32, 128, 128), (64, 512, 512)]:
        rel = torch.arange(-(length - 1), length, dtype=torch.long)
        b = make_log_bucket_position(rel, bucket_size, max_position).to(torch.long)
        buckets.append(
            {"bucket_size": bucket_size, "max_position": max_position, "length": length, "buckets": b.tolist()}
        )

    ref = {
        "validation": {
            "input_ids": enc["input_ids"].tolist(),
            "attention_mask": enc["attention_mask"].tolist(),
            "logits": logits.tolist(),
        },
        "train": {
            "input_ids": tenc["input_ids"].tolist(),
            "attention_mask": tenc["attention_mask"].tolist(),
            "labels": labels.tolist(),
            "loss": out.loss.item(),
            "grad_norms": grad_norms,
            "grads": full,
        },
        "buckets": buckets,
    }
    with open(os.path.join(ROOT, "reference.json"), "w") as f:
        json.dump(ref, f)
        f.write("\n")


if __name__ == "__main__":
    main()
