"""Reference vectors for the ModernBERT family (tests/unit/family-modernbert.test.ts).

Reads the fixture checkpoint (tests/fixtures/auto/modernbert/checkpoint), tokenizes with
AutoTokenizer, and writes tests/fixtures/auto/modernbert/reference.json:
- `forward`: input ids and attention mask of validation.csv (one padded batch) and the eager
  model's logits on them;
- `gradient`: a labelled, padded batch of train.csv rows, the loss and the gradient of every
  parameter (its norm; the full gradient of a few tensors), dropout off;
- `variant`: a second random model (cls pooling, every bias on, three layers, tanh GELU, a
  narrower window) saved beside it as variant.safetensors, with its logits, loss and gradient
  norms on the same batch;
- `param_order`: `named_parameters()` of ModernBertForSequenceClassification;
- `init`: statistics of `_init_weights` on a scratch model (std, max |x|, mean per parameter);
- `train_rows`: train.csv tokenized (unpadded) with its label ids, for replaying the fixture's
  Trainer run (trainer_state.json) step by step.

Run: python3 tests/python/make_modernbert_reference.py
"""

import csv
import json
import os

import torch
from safetensors.torch import save_file
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    ModernBertConfig,
    ModernBertForSequenceClassification,
)

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures", "auto", "modernbert")
CK = os.path.join(FIX, "checkpoint")
MAX_LENGTH = 48
FULL_GRADS = [
    "model.layers.0.attn.Wqkv.weight",
    "model.layers.1.attn.Wqkv.weight",
    "model.layers.1.attn_norm.weight",
    "model.embeddings.norm.weight",
    "head.dense.weight",
    "head.norm.weight",
    "classifier.weight",
    "classifier.bias",
]


def rows(name):
    with open(os.path.join(FIX, name), newline="") as f:
        return list(csv.DictReader(f))


def r(x):
    return [float(f"{v:.9g}") for v in x]


def grads_of(model, enc, labels):
    model.train()
    model.zero_grad()
    out = model(**enc, labels=labels)
    out.loss.backward()
    norms = {n: p.grad.norm().item() for n, p in model.named_parameters()}
    return out, norms


def main():
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(CK)
    model = AutoModelForSequenceClassification.from_pretrained(CK, attn_implementation="eager")
    model.eval()
    label2id = model.config.label2id

    val = rows("validation.csv")
    enc = tok([x["text"] for x in val], truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits

    train = rows("train.csv")[:16]
    tenc = tok([x["text"] for x in train], truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt")
    labels = torch.tensor([label2id[x["label"]] for x in train])
    out, norms = grads_of(model, tenc, labels)
    params = dict(model.named_parameters())

    # A second model over every switch the fixture leaves off.
    vcfg = ModernBertConfig(
        vocab_size=model.config.vocab_size,
        hidden_size=24,
        intermediate_size=40,
        num_hidden_layers=3,
        num_attention_heads=3,
        max_position_embeddings=MAX_LENGTH,
        pad_token_id=model.config.pad_token_id,
        bos_token_id=1,
        eos_token_id=2,
        cls_token_id=1,
        sep_token_id=2,
        global_attn_every_n_layers=2,
        local_attention=10,
        classifier_pooling="cls",
        attention_bias=True,
        mlp_bias=True,
        norm_bias=True,
        classifier_bias=True,
        hidden_activation="gelu_pytorch_tanh",
        classifier_activation="silu",
        num_labels=3,
        attn_implementation="eager",
    )
    torch.manual_seed(1)
    variant = ModernBertForSequenceClassification(vcfg)
    with torch.no_grad():
        for n, p in variant.named_parameters():
            if n.endswith("bias") or "norm" in n:
                p.add_(0.1 * torch.randn_like(p))  # non-trivial biases and norm weights
    variant.eval()
    with torch.no_grad():
        vlogits = variant(**enc).logits
    vlabels = torch.tensor([i % 3 for i in range(len(train))])
    vjson = json.loads(vcfg.to_json_string())
    vout, vnorms = grads_of(variant, tenc, vlabels)
    save_file(
        {n: p.detach().contiguous() for n, p in variant.named_parameters()},
        os.path.join(FIX, "variant.safetensors"),
    )

    # HF's init on a scratch model wide enough for tight statistics.
    scfg = ModernBertConfig(
        vocab_size=2000,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        max_position_embeddings=64,
        pad_token_id=3,
        bos_token_id=1,
        eos_token_id=2,
        cls_token_id=1,
        sep_token_id=2,
        initializer_cutoff_factor=1.5,
    )
    torch.manual_seed(2)
    scratch = ModernBertForSequenceClassification(scfg)
    init = {
        n: {"mean": p.mean().item(), "std": p.std().item(), "max_abs": p.abs().max().item()}
        for n, p in scratch.named_parameters()
    }

    all_train = rows("train.csv")
    train_rows = {
        "input_ids": tok([x["text"] for x in all_train], truncation=True, max_length=MAX_LENGTH)["input_ids"],
        "labels": [label2id[x["label"]] for x in all_train],
    }

    ref = {
        "note": "made by tests/python/make_modernbert_reference.py (transformers "
        + __import__("transformers").__version__
        + ", torch "
        + torch.__version__
        + ")",
        "param_order": [n for n, _ in model.named_parameters()],
        "forward": {
            "input_ids": enc["input_ids"].tolist(),
            "attention_mask": enc["attention_mask"].tolist(),
            "logits": [r(x) for x in logits.tolist()],
        },
        "gradient": {
            "input_ids": tenc["input_ids"].tolist(),
            "attention_mask": tenc["attention_mask"].tolist(),
            "labels": labels.tolist(),
            "loss": out.loss.item(),
            "grad_norms": norms,
            "grads": {n: r(params[n].grad.flatten().tolist()) for n in FULL_GRADS},
        },
        "variant": {
            "config": vjson,
            "logits": [r(x) for x in vlogits.tolist()],
            "labels": vlabels.tolist(),
            "loss": vout.loss.item(),
            "grad_norms": vnorms,
        },
        "init": {"config": json.loads(scfg.to_json_string()), "stats": init},
        "train_rows": train_rows,
    }
    with open(os.path.join(FIX, "reference.json"), "w") as f:
        json.dump(ref, f)
        f.write("\n")


if __name__ == "__main__":
    main()
