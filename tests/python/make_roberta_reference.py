"""PyTorch references of the RoBERTa and XLM-RoBERTa fixture checkpoints (tests/fixtures/auto/roberta,
tests/fixtures/auto/xlm-roberta), written to <family>/reference.json for tests/unit/family-roberta.test.ts:

- `validation`: the input ids of validation.csv as AutoTokenizer gives them (batches of 16 rows padded
  to the batch's longest row, truncated to max_length) and the model's logits on them (eval mode, eager
  attention), checked here against initial_logits.json;
- `gradient`: a labelled batch of the first 16 train.csv rows (padded), its loss and the gradient of
  every parameter (dropout off): the norm of each, and the full gradient of a few tensors;
- `init`: mean and standard deviation of each parameter kind of a freshly initialised model of the
  checkpoint's config (HF's `_init_weights`, torch seed 0).

Run: python3 tests/python/make_roberta_reference.py
"""

import csv
import json
import os

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
AUTO = os.path.normpath(os.path.join(HERE, "..", "fixtures", "auto"))
BATCH = 16
FULL_GRADS = [
    "roberta.embeddings.position_embeddings.weight",
    "roberta.embeddings.LayerNorm.weight",
    "roberta.encoder.layer.0.attention.self.query.weight",
    "roberta.encoder.layer.1.output.dense.bias",
    "classifier.dense.weight",
    "classifier.out_proj.weight",
    "classifier.out_proj.bias",
]


def rows(path, args):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r[args["text_column"]], r[args["label_column"]]) for r in csv.DictReader(f)]


def encode(tok, texts, n):
    return tok(texts, truncation=True, max_length=n, padding="longest", return_tensors="pt")


def g9(values):
    return [float(f"{v:.9g}") for v in values]


def make(family):
    root = os.path.join(AUTO, family)
    ckpt = os.path.join(root, "checkpoint")
    with open(os.path.join(root, "training_args.json"), encoding="utf-8") as f:
        args = json.load(f)
    n = args["max_length"]
    tok = AutoTokenizer.from_pretrained(ckpt)
    model = AutoModelForSequenceClassification.from_pretrained(ckpt, attn_implementation="eager")
    model.eval()

    val = rows(os.path.join(root, "validation.csv"), args)
    batches, logits = [], []
    with torch.no_grad():
        for i in range(0, len(val), BATCH):
            enc = encode(tok, [t for t, _ in val[i : i + BATCH]], n)
            batches.append({k: enc[k].tolist() for k in ("input_ids", "attention_mask")})
            logits.extend(model(**enc).logits.tolist())
    with open(os.path.join(root, "initial_logits.json"), encoding="utf-8") as f:
        initial = json.load(f)["logits"]
    worst = max(abs(a - b) for ra, rb in zip(logits, initial) for a, b in zip(ra, rb))
    print(f"{family}: logits vs initial_logits.json max |diff| {worst:.3g}")
    assert worst < 1e-6, worst

    train = rows(os.path.join(root, "train.csv"), args)[:BATCH]
    enc = encode(tok, [t for t, _ in train], n)
    labels = torch.tensor([model.config.label2id[l] for _, l in train])
    model.zero_grad()
    out = model(**enc, labels=labels)
    out.loss.backward()
    norms, full = {}, {}
    for name, p in model.named_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        norms[name] = float(g.norm())
        if name in FULL_GRADS:
            full[name] = g9(g.flatten().tolist())

    torch.manual_seed(0)
    fresh = AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(ckpt))
    init = {}
    for name, p in fresh.named_parameters():
        x = p.detach().flatten()
        init[name] = {"mean": float(x.mean()), "std": float(x.std()) if x.numel() > 1 else 0.0}
    pad = fresh.config.pad_token_id
    emb = fresh.roberta.embeddings
    init["padding_rows_zero"] = bool(
        (emb.word_embeddings.weight[pad] == 0).all() and (emb.position_embeddings.weight[pad] == 0).all()
    )

    ref = {
        "max_length": n,
        "validation": {"batches": batches, "logits": logits},
        "gradient": {
            "input_ids": enc["input_ids"].tolist(),
            "attention_mask": enc["attention_mask"].tolist(),
            "labels": labels.tolist(),
            "loss": float(out.loss.detach()),
            "grad_norms": norms,
            "grads": full,
        },
        "init": init,
    }
    path = os.path.join(root, "reference.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ref, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes), loss {float(out.loss):.6f}")


if __name__ == "__main__":
    for fam in ("roberta", "xlm-roberta"):
        make(fam)
