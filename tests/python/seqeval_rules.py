"""seqeval's default-mode entity metrics, restated without seqeval (not installable everywhere):
what `evaluate.load("seqeval").compute(predictions=..., references=...)` returns in the
token-classification guide's `compute_metrics`. The rules (seqeval 1.2,
`seqeval/metrics/sequence_labeling.py`), as src/core/train/seqeval.ts states them too:

- A tag's chunk tag is its first character and its type what follows the first "-" after it
  ("B-PER" -> B, PER; "O" -> O, "_"); the sentences are joined with an "O" after each.
- A chunk ends before a tag when the previous tag was E or S; B or I followed by B, S or O; or the
  type changes (after anything but O).
- A chunk starts at B or S; at E or I after E, S or O; or where the type changes (on anything but
  O).
- Entities match by type and exact span; zero divisions give 0; per-type rows are the types of the
  gold and predicted entities, sorted.

    python3 tests/python/seqeval_rules.py IN.json   # {"gold": [[...]], "pred": [[...]]} -> stdout
"""

import json
import sys
from collections import defaultdict


def _chunk(tag):
    return tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_"


def _end_of_chunk(prev_tag, tag, prev_type, type_):
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag != "O" and prev_tag != "." and prev_type != type_


def _start_of_chunk(prev_tag, tag, prev_type, type_):
    if tag in ("B", "S"):
        return True
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True
    return tag != "O" and tag != "." and prev_type != type_


def get_entities(seq):
    """(type, first, last) of a list of tags or of sentences (joined with an "O" after each)."""
    if any(isinstance(s, list) for s in seq):
        seq = [item for sublist in seq for item in sublist + ["O"]]
    prev_tag, prev_type, begin, chunks = "O", "", 0, []
    for i, chunk in enumerate(list(seq) + ["O"]):
        tag, type_ = _chunk(chunk)
        if _end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if _start_of_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


def _prf(tp, pred, true):
    p = tp / pred if pred > 0 else 0.0
    r = tp / true if true > 0 else 0.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return p, r, f


def compute(predictions, references):
    """The seqeval metric's result: per type {precision, recall, f1, number} and overall_*."""
    if len(predictions) != len(references) or any(len(p) != len(r) for p, r in zip(predictions, references)):
        raise ValueError("predictions and references differ in length")
    true, pred = defaultdict(set), defaultdict(set)
    for t, b, e in get_entities(references):
        true[t].add((b, e))
    for t, b, e in get_entities(predictions):
        pred[t].add((b, e))
    out = {}
    tp_all = pred_all = true_all = 0
    for t in sorted(set(true) | set(pred)):
        tp = len(true[t] & pred[t])
        p, r, f = _prf(tp, len(pred[t]), len(true[t]))
        out[t] = {"precision": p, "recall": r, "f1": f, "number": len(true[t])}
        tp_all += tp
        pred_all += len(pred[t])
        true_all += len(true[t])
    p, r, f = _prf(tp_all, pred_all, true_all)
    flat_true = [x for s in references for x in s]
    flat_pred = [x for s in predictions for x in s]
    out["overall_precision"] = p
    out["overall_recall"] = r
    out["overall_f1"] = f
    out["overall_accuracy"] = sum(a == b for a, b in zip(flat_true, flat_pred)) / len(flat_true) if flat_true else 0.0
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    print(json.dumps(compute(data["pred"], data["gold"])))
