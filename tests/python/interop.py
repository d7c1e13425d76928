"""Loads folders exported by `studio train` with Python transformers and checks them against the
studio's own answers. Run by tests/unit/python-interop.test.ts, which trains the models, writes
the manifest and reads the report:

    python3 tests/python/interop.py manifest.json report.json

manifest.json:
    {"texts": [...],
     "models": [{"name", "dir", "max_length", "probs": [[p per label in id order], ...]}],
     "tokenizers": [{"name", "dir", "ids": [[studio ids of texts[i]], ...]}]}

For every model: `pipeline("text-classification", model=dir, truncation=True)` on all texts (a
600-word one among them) and AutoModelForSequenceClassification + AutoTokenizer must give the
studio's probabilities within 1e-4; tokenizer_config's model_max_length must be the trained
max_length; the model card's Python snippet must run on a long text; training_args.json must
load as `TrainingArguments(**json)`. For every tokenizer: AutoTokenizer's ids (truncation=True)
must be the studio's. The report lists each check with ok/detail; exit status 1 if one failed.
"""

import json
import re
import sys
import traceback

import torch
import transformers
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    TrainingArguments,
    pipeline,
)

TOLERANCE = 1e-4
transformers.logging.set_verbosity_error()


def max_abs_diff(a, b):
    return max(abs(x - y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True))


def record(checks, name, ok, detail=None, **extra):
    checks.append({"name": name, "ok": bool(ok), **({"detail": detail} if detail else {}), **extra})


def attempt(checks, name, fn):
    """Runs fn(); a failure becomes a failed check with its exception, not a crash."""
    try:
        fn()
        record(checks, name, True)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        record(checks, name, False, f"{type(e).__name__}: {e}")


def run_card_snippet(path):
    """The model card's Python snippet, on this folder, with a long text (past 32 tokens)."""
    with open(f"{path}/README.md", encoding="utf-8") as f:
        code = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)
    code = code.replace("path/to/this/folder", path)
    code = code.replace("an example text", " ".join(["free prize call now"] * 20))
    exec(compile(code, "README.md snippet", "exec"), {"print": lambda *a: None})


def load_training_args(path):
    with open(f"{path}/training_args.json", encoding="utf-8") as f:
        TrainingArguments(**json.load(f))


def check_model(m, texts, checks):
    name, path = m["name"], m["dir"]
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    tok = AutoTokenizer.from_pretrained(path)
    positions = model.config.max_position_embeddings
    record(
        checks,
        f"{name}: tokenizer model_max_length is the trained max_length",
        tok.model_max_length == m["max_length"] <= positions,
        f"model_max_length {tok.model_max_length}, trained {m['max_length']}, "
        f"max_position_embeddings {positions}",
    )

    with torch.no_grad():
        inputs = tok(texts, truncation=True, padding=True, return_tensors="pt")
        auto = model(**inputs).logits.softmax(-1).tolist()
    diff = max_abs_diff(auto, m["probs"])
    record(
        checks,
        f"{name}: AutoModel + AutoTokenizer probabilities = studio predict",
        diff <= TOLERANCE,
        f"max abs difference {diff:.3g}",
        max_diff=diff,
    )

    clf = pipeline("text-classification", model=path, truncation=True, device="cpu")
    out = clf(texts, top_k=None)
    piped = [[next(s["score"] for s in row if s["label"] == lab) for lab in labels] for row in out]
    diff = max_abs_diff(piped, m["probs"])
    record(
        checks,
        f"{name}: pipeline(truncation=True) probabilities = studio predict",
        diff <= TOLERANCE,
        f"max abs difference {diff:.3g} over {len(texts)} texts",
        max_diff=diff,
    )
    attempt(checks, f"{name}: the model card's snippet runs on a long text", lambda: run_card_snippet(path))
    attempt(checks, f"{name}: TrainingArguments(**training_args.json)", lambda: load_training_args(path))


def check_tokenizer(t, texts, checks):
    tok = AutoTokenizer.from_pretrained(t["dir"])
    ours = [tok(text, truncation=True)["input_ids"] for text in texts]
    bad = [i for i, (a, b) in enumerate(zip(ours, t["ids"], strict=True)) if a != b]
    detail = f"{len(texts) - len(bad)} of {len(texts)} texts agree"
    if bad:
        i = bad[0]
        detail += f"; first difference at text {i}: {ours[i][:12]} vs {t['ids'][i][:12]}"
    record(checks, f"{t['name']}: AutoTokenizer ids = the studio's ({type(tok).__name__})", not bad, detail)


def main():
    manifest_path, report_path = sys.argv[1], sys.argv[2]
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    texts = manifest["texts"]
    checks = []
    for m in manifest["models"]:
        try:
            check_model(m, texts, checks)
        except Exception:  # noqa: BLE001
            record(checks, f"{m['name']}: loads in transformers", False, traceback.format_exc(limit=3))
    for t in manifest["tokenizers"]:
        try:
            check_tokenizer(t, texts, checks)
        except Exception:  # noqa: BLE001
            record(checks, f"{t['name']}: AutoTokenizer loads", False, traceback.format_exc(limit=3))
    diffs = [c["max_diff"] for c in checks if "max_diff" in c]
    report = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "max_prob_diff": max(diffs) if diffs else None,
        "checks": checks,
    }
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    for c in checks:
        detail = f" ({c['detail']})" if c.get("detail") else ""
        print(f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']}{detail}")
    sys.exit(0 if all(c["ok"] for c in checks) else 1)


if __name__ == "__main__":
    main()
