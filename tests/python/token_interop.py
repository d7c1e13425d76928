"""Loads the studio's token-classification exports in transformers.

Usage: python3 tests/python/token_interop.py MANIFEST REPORT

MANIFEST (JSON): {"tags": [str], "texts": [str], "models": [{"name", "dir", "architecture",
"inputs": {input_ids, attention_mask[, token_type_ids]: [[int]]}, "logits": [[[float]]]}]}, the
logits being the studio's on those inputs. For each folder:
- AutoModelForTokenClassification.from_pretrained reports no missing, unexpected or mismatched
  keys, and the config names the architecture and the tags (id2label);
- its logits on the inputs equal the studio's within 1e-4 at the attended tokens;
- pipeline("token-classification", aggregation_strategy="none") tags every token with the
  argmax of those logits, and aggregation_strategy="simple" groups them into entities.
Writes REPORT (JSON): {"checks": [{name, ok, detail}], "max_logit_diff": float}.
"""

import json
import sys

import numpy as np
import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline


def main(manifest_path, report_path):
    manifest = json.load(open(manifest_path))
    tags = manifest["tags"]
    checks = []
    worst = 0.0

    def check(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})

    for m in manifest["models"]:
        name = m["name"]
        model, info = AutoModelForTokenClassification.from_pretrained(
            m["dir"], output_loading_info=True, attn_implementation="eager"
        )
        model.eval()
        problems = {k: v for k, v in info.items() if k != "error_msgs" and v}
        check(f"{name} loads with no missing/unexpected/mismatched keys", not problems, str(problems)[:500])
        arch = model.config.architectures
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        check(
            f"{name} config: {m['architecture']} with the tags",
            arch == [m["architecture"]] and type(model).__name__ == m["architecture"] and labels == tags,
            f"architectures {arch}, class {type(model).__name__}, labels {labels[:3]}...",
        )
        feeds = {k: torch.tensor(v) for k, v in m["inputs"].items()}
        with torch.no_grad():
            logits = model(**feeds).logits.numpy()
        want = np.array(m["logits"], dtype=np.float32)
        mask = np.array(m["inputs"]["attention_mask"], dtype=bool)
        diff = float(np.abs(logits - want)[mask].max())
        worst = max(worst, diff)
        check(f"{name} logits [B, T, C] equal the studio's", logits.shape == want.shape and diff <= 1e-4,
              f"shape {logits.shape}, max abs diff {diff:.3g}")

        tokenizer = AutoTokenizer.from_pretrained(m["dir"])
        tagger = pipeline("token-classification", model=model, tokenizer=tokenizer, aggregation_strategy="none",
                          ignore_labels=[])
        agree, total = 0, 0
        for i, text in enumerate(manifest["texts"]):
            if len(tokenizer(text)["input_ids"]) != int(mask[i].sum()):
                continue  # a text the studio's inputs hold cut or tokenized otherwise
            for r in tagger(text):
                total += 1
                agree += r["entity"] == tags[int(np.argmax(want[i, r["index"]]))]
        check(f"{name} pipeline tags every token with the studio's argmax", total > 0 and agree == total,
              f"{agree}/{total} tokens")
        grouped = pipeline("token-classification", model=model, tokenizer=tokenizer,
                           aggregation_strategy="simple")(manifest["texts"][0])
        check(f"{name} pipeline aggregation_strategy='simple' groups entities",
              isinstance(grouped, list) and all("entity_group" in g for g in grouped), f"{len(grouped)} entities")

    json.dump({"checks": checks, "max_logit_diff": worst}, open(report_path, "w"), indent=2)
    for c in checks:
        print(("ok  " if c["ok"] else "FAIL"), c["name"], c["detail"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
