"""seqeval's scores of `studio predict`'s tags, computed as the token-classification guide's
compute_metrics does: only the words whose first sub-token carries a label (words truncation cut at
max_length, and words whose gold tag the model does not know, are left out).

    python3 scripts/seqeval_on_predictions.py GOLD.conll PREDICTIONS.jsonl MODEL_DIR MAX_LENGTH

Prints one JSON line with overall_precision, overall_recall, overall_f1, overall_accuracy.
"""
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))
sys.path.insert(0, os.path.join(REPO, "scripts"))

from compare_ner_trainer import read_conll  # noqa: E402
from seqeval_rules import compute  # noqa: E402


def main():
    gold_path, pred_path, model_dir, max_length = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    from transformers import AutoTokenizer

    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        labels = set(json.load(f)["id2label"].values())
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    sentences = read_conll(gold_path)
    with open(pred_path, encoding="utf-8") as f:
        predicted = [json.loads(line) for line in f if line.strip()]
    if len(predicted) != len(sentences):
        sys.exit(f"{pred_path} has {len(predicted)} sentences, {gold_path} has {len(sentences)}")
    gold, pred = [], []
    for (words, tags), p in zip(sentences, predicted):
        if p["tokens"] != words:
            sys.exit(f"the predictions' tokens differ from the gold file's: {p['tokens'][:5]} vs {words[:5]}")
        kept = {w for w in tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length).word_ids() if w is not None}
        idx = [i for i in range(len(words)) if i in kept and tags[i] in labels]
        gold.append([tags[i] for i in idx])
        pred.append([p["tags"][i] for i in idx])
    m = compute(pred, gold)
    print(json.dumps({k: m[k] for k in ("overall_precision", "overall_recall", "overall_f1", "overall_accuracy")}))


if __name__ == "__main__":
    main()
