"""PyTorch references of one family's fixture checkpoint (tests/fixtures/auto/<family>), written to
tests/fixtures/auto/<family>/reference.json for the family's unit test:

- the input ids of validation.csv as AutoTokenizer gives them (batches of 16 rows, padded to the
  longest row of the batch, truncated to max_length) and the model's logits on them (eval mode,
  eager attention), checked here against initial_logits.json;
- a labelled batch of the first 16 train.csv rows (padded), its loss and the gradient of every
  parameter (dropout off): the norm of each, and the full gradient of a few tensors;
- statistics of a freshly initialised model of the checkpoint's config (HF's `_init_weights`):
  mean and standard deviation per parameter, seeded;
- `scaled_head`: the logits of the first validation batch with the head's weights scaled up, so
  that its activation shows;
- `extra`: what the family's script adds (make_<family>_reference.py).

Used by make_distilbert_reference.py and make_electra_reference.py.
"""

import copy
import csv
import json
import os

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
AUTO = os.path.normpath(os.path.join(HERE, "..", "fixtures", "auto"))
BATCH = 16


def read_rows(path, args):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r[args["text_column"]], r[args["label_column"]]) for r in csv.DictReader(f)]


def encode(tokenizer, texts, max_length):
    enc = tokenizer(texts, truncation=True, max_length=max_length, padding="longest", return_tensors="pt")
    return {k: v for k, v in enc.items()}


def as_lists(batch):
    return {k: v.tolist() for k, v in batch.items()}


def rounded(values, digits=9):
    return [float(f"{v:.{digits}g}") for v in values]


HEAD_SCALE = 50.0


def scaled_head_logits(model, head, batch):
    """Logits with the head's Linear weights times HEAD_SCALE: pre-activations of order 10, where
    the head's activation (ReLU, exact or tanh GELU) shows in the logits."""
    m = copy.deepcopy(model)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name in head:
                p.mul_(HEAD_SCALE)
        return m(**batch).logits.tolist()


def make_reference(family, full_grads, extra=None, head=()):
    root = os.path.join(AUTO, family)
    ckpt = os.path.join(root, "checkpoint")
    with open(os.path.join(root, "training_args.json"), encoding="utf-8") as f:
        args = json.load(f)
    max_length = args["max_length"]
    tokenizer = AutoTokenizer.from_pretrained(ckpt)
    model = AutoModelForSequenceClassification.from_pretrained(ckpt, attn_implementation="eager")
    model.eval()
    label2id = model.config.label2id

    # Forward parity: validation rows in batches of 16, padded per batch.
    val = read_rows(os.path.join(root, "validation.csv"), args)
    batches, logits = [], []
    with torch.no_grad():
        for i in range(0, len(val), BATCH):
            enc = encode(tokenizer, [t for t, _ in val[i : i + BATCH]], max_length)
            batches.append(as_lists(enc))
            logits.extend(model(**enc).logits.tolist())
    with open(os.path.join(root, "initial_logits.json"), encoding="utf-8") as f:
        initial = json.load(f)["logits"]
    worst = max(abs(a - b) for ra, rb in zip(logits, initial) for a, b in zip(ra, rb))
    print(f"{family}: validation logits vs initial_logits.json: max |diff| {worst:.3g}")
    assert worst < 1e-6, worst

    # Gradient parity: the first 16 train rows with their labels, dropout off.
    train = read_rows(os.path.join(root, "train.csv"), args)[:BATCH]
    enc = encode(tokenizer, [t for t, _ in train], max_length)
    labels = torch.tensor([label2id[l] for _, l in train])
    model.zero_grad()
    out = model(**enc, labels=labels)
    out.loss.backward()
    grad_norms, grads, shapes = {}, {}, {}
    for name, p in model.named_parameters():
        g = p.grad if p.grad is not None else torch.zeros_like(p)
        grad_norms[name] = float(g.double().norm())
        shapes[name] = list(p.shape)
        if name in full_grads:
            grads[name] = rounded(g.flatten().tolist())

    # HF's initialisation of the same config (a fresh model, seeded).
    config = AutoConfig.from_pretrained(ckpt)
    torch.manual_seed(0)
    fresh = AutoModelForSequenceClassification.from_config(config)
    init_stats = {}
    for name, p in fresh.named_parameters():
        d = p.detach().double()
        init_stats[name] = {
            # rows left all zero (the padding row of a word embedding)
            "zero_rows": [i for i in range(d.shape[0]) if d.dim() == 2 and not d[i].any()],
            "mean": float(d.mean()),
            "std": float(d.std()) if d.numel() > 1 else 0.0,
            "min": float(d.min()),
            "max": float(d.max()),
        }

    first = {k: torch.tensor(v) for k, v in batches[0].items()}
    ref = {
        "note": (
            f"Made by tests/python/make_{family.replace('-', '_')}_reference.py with transformers "
            f"{__import__('transformers').__version__}, torch {torch.__version__}."
        ),
        "validation": {"batches": batches, "logits": logits},
        "train_batch": {
            **as_lists(enc),
            "labels": labels.tolist(),
            "logits": out.logits.tolist(),
            "loss": float(out.loss.detach()),
            "grad_norms": grad_norms,
            "grads": grads,
        },
        "param_shapes": shapes,
        "init_stats": init_stats,
        "scaled_head": {
            "scale": HEAD_SCALE,
            "params": sorted(head),
            "logits": scaled_head_logits(model, set(head), first),
        },
        "extra": extra(model, fresh) if extra else {},
    }
    path = os.path.join(root, "reference.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ref, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
