"""Reference vectors for the DeBERTa-v2 family tests (tests/unit/family-deberta.test.ts).

Reads the fixture checkpoint tests/fixtures/auto/deberta-v2/checkpoint with transformers and writes
tests/fixtures/auto/deberta-v2/reference.json:

- input_ids / attention_mask of validation.csv as AutoTokenizer gives them (truncation to 48),
  padded to the longest row as one batch (`validation.batches`, the families' layout), and the
  eager model's logits on them (eval mode);
- a labelled, padded batch of the first train.csv rows: the loss, every parameter's gradient
  norm, and the full gradient of a few parameters (dropout off: the fixture's config has it at 0);
- make_log_bucket_position's buckets for a few (position_buckets, max_position) pairs, so the
  host-side bucket table can be checked against torch's float32 arithmetic.

Also writes tests/fixtures/deberta-variants/<name>/ (config.json, model.safetensors,
reference.json): small random models with larger weights (so attention shapes the logits)
over the settings the fixture does not use (separate position projections, absolute positions,
token types, embed_proj, raw clamped distances, one relative term), with the same kind of
logits, loss and gradients on random padded batches.

Run: python3 tests/python/make_deberta_reference.py
"""

import csv
import json
import os

import torch
from safetensors.torch import save_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer, DebertaV2Config
from transformers import DebertaV2ForSequenceClassification
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
        # the families' layout (tests/e2e/pages/familyParity.ts reads it too): padded batches
        "validation": {
            "batches": [
                {"input_ids": enc["input_ids"].tolist(), "attention_mask": enc["attention_mask"].tolist()}
            ],
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


VARIANT_BASE = dict(
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=48,
    max_position_embeddings=64,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
    pooler_dropout=0.0,
    initializer_range=0.3,
    relative_attention=True,
    pad_token_id=0,
    num_labels=3,
)
VARIANTS = {
    # DeBERTa-v3's layout, 8 log buckets over 64 positions: most pairs of a 24-token row are bucketed
    "v3-buckets": dict(
        position_buckets=8, share_att_key=True, pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm",
        position_biased_input=False, type_vocab_size=0,
    ),
    # DeBERTa-v2's older layout: pos_key_proj / pos_query_proj, absolute positions, token types,
    # embed_proj, raw distances clamped at 6, no LayerNorm on the relative embeddings
    "v2-separate": dict(
        position_buckets=-1, max_relative_positions=6, share_att_key=False, pos_att_type="c2p|p2c",
        norm_rel_ebd="none", position_biased_input=True, type_vocab_size=2, embedding_size=24,
        hidden_act="gelu_new",
    ),
    # one relative term (the scale counts it once)
    "c2p-only": dict(
        position_buckets=16, share_att_key=True, pos_att_type=["c2p"], norm_rel_ebd="layer_norm",
        position_biased_input=False, type_vocab_size=0,
    ),
}


def make_variant(name, settings):
    out_dir = os.path.join(os.path.dirname(__file__), "..", "fixtures", "deberta-variants", name)
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(1234)
    config = DebertaV2Config(**VARIANT_BASE, **settings)
    config._attn_implementation = "eager"
    model = DebertaV2ForSequenceClassification(config)
    model.eval()
    B, T = 5, 24
    gen = torch.Generator().manual_seed(5)
    ids = torch.randint(1, 100, (B, T), generator=gen)
    lengths = [24, 17, 9, 24, 3]
    mask = torch.zeros(B, T, dtype=torch.long)
    for b, n in enumerate(lengths):
        mask[b, :n] = 1
    ids = ids * mask
    types = torch.randint(0, 2, (B, T), generator=gen) * mask if config.type_vocab_size > 0 else None
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits
    labels = torch.tensor([0, 2, 1, 1, 0])
    model.zero_grad()
    loss = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels).loss
    loss.backward()
    ref = {
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "token_type_ids": types.tolist() if types is not None else None,
        "logits": logits.tolist(),
        "labels": labels.tolist(),
        "loss": loss.item(),
        "grad_norms": {n: p.grad.norm().item() for n, p in model.named_parameters()},
    }
    config.save_pretrained(out_dir)
    save_file({n: p.detach().contiguous() for n, p in model.named_parameters()}, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump(ref, f)
        f.write("\n")


if __name__ == "__main__":
    main()
    for variant, settings in VARIANTS.items():
        make_variant(variant, settings)
