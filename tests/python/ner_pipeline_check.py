"""Checks a token classifier trained by `studio train` against transformers' pipeline.

Usage: python3 tests/python/ner_pipeline_check.py MANIFEST REPORT

MANIFEST (JSON): {"dir": str, "texts": [str], "entities": [[{entity_group, score, word, start,
end}]]}, the entities being what `studio predict` wrote for each text. Checks that
AutoModelForTokenClassification loads the folder with no missing, unexpected or mismatched keys,
and that pipeline("token-classification", model=DIR, aggregation_strategy="simple") gives the
same entities for every text: same groups, spans and words, scores within 1e-4.
Writes REPORT (JSON): {"checks": [{name, ok, detail}], "entities": int, "max_score_diff": float}.
"""

import json
import sys

from transformers import AutoModelForTokenClassification, pipeline


def main(manifest_path, report_path):
    manifest = json.load(open(manifest_path, encoding="utf-8"))
    folder = manifest["dir"]
    checks = []

    def check(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": str(detail)[:800]})

    _, info = AutoModelForTokenClassification.from_pretrained(folder, output_loading_info=True)
    problems = {k: v for k, v in info.items() if k != "error_msgs" and v}
    check("AutoModelForTokenClassification loads with no missing/unexpected/mismatched keys", not problems, problems)

    ner = pipeline("token-classification", model=folder, aggregation_strategy="simple")
    worst = 0.0
    total = 0
    for i, (text, studio) in enumerate(zip(manifest["texts"], manifest["entities"])):
        got = ner(text)
        total += len(got)
        same_spans = [(e["entity_group"], e["start"], e["end"], e["word"]) for e in got] == [
            (e["entity_group"], e["start"], e["end"], e["word"]) for e in studio
        ]
        check(f"text {i}: the pipeline's entities have the studio's groups, spans and words", same_spans,
              {"pipeline": got, "studio": studio})
        if same_spans:
            diffs = [abs(float(a["score"]) - b["score"]) for a, b in zip(got, studio)]
            worst = max([worst, *diffs])
            check(f"text {i}: scores within 1e-4", all(d <= 1e-4 for d in diffs), diffs)
    check("the pipeline finds entities in the texts", total > 0, total)
    json.dump({"checks": checks, "entities": total, "max_score_diff": worst}, open(report_path, "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
