"""transformers' side of `npm run compare:ner` (scripts/compare-ner.ts runs it; it can run alone).

Trains a token classifier from scratch with transformers' Trainer as the token-classification
guide does: CoNLL files read (tag in the last column, `-DOCSTART-` skipped, a blank line between
sentences), tags sorted as run_ner.py's `get_label_list`, `tokenizer(words,
is_split_into_words=True, truncation=True, max_length=...)`, the tag on each word's first
sub-token and -100 elsewhere, `DataCollatorForTokenClassification`,
`AutoModelForTokenClassification.from_config` of the studio's config.json (--config), then
evaluates with seqeval's default-mode metrics (tests/python/seqeval_rules.py states seqeval's
rules, since seqeval may not be installed). Prints one line `COMPARE_JSON {...}` with eval_f1,
eval_precision, eval_recall, eval_accuracy, eval_loss, train_loss, train_runtime (the Trainer's)
and wall_s (training and evaluation).

  python3 scripts/compare_ner_trainer.py --train wnut17train.conll --validation emerging.dev.conll \
      --config config.json --tokenizer public/tokenizers/bert-base-cased --epochs 5
"""

import argparse
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))


def read_conll(path):
    sentences, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if words:
                    sentences.append((words, tags))
                    words, tags = [], []
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    if words:
        sentences.append((words, tags))
    return sentences


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--validation", required=True)
    p.add_argument("--config", required=True, help="the studio's config.json of the model (its sizes and tags)")
    p.add_argument("--tokenizer", default=os.path.join(REPO, "public/tokenizers/bert-base-cased"))
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=float, default=5)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup-steps", type=float, default=0.0, help="steps, or a fraction of them below 1")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--output-dir", default=None)
    p.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="torch threads (1 on a busy machine: OpenMP's barriers spin while a thread waits its turn)",
    )
    a = p.parse_args()

    import numpy as np
    import torch
    from seqeval_rules import compute
    from transformers import (
        AutoConfig,
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    torch.set_num_threads(a.threads)
    set_seed(a.seed)
    train, validation = read_conll(a.train), read_conll(a.validation)
    labels = sorted({t for _, tags in train for t in tags})
    with open(a.config, encoding="utf-8") as f:
        keys = json.load(f)
    studio_labels = [keys["id2label"][str(i)] for i in range(len(keys["id2label"]))]
    if studio_labels != labels:
        sys.exit(f"the config's id2label {studio_labels} is not the training tags {labels}")
    label2id = {t: i for i, t in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(a.tokenizer)

    def encode(sentences):
        rows = []
        for words, tags in sentences:
            enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=a.max_length)
            previous, row = None, []
            for wid in enc.word_ids():
                row.append(-100 if wid is None or wid == previous else label2id.get(tags[wid], -100))
                previous = wid
            rows.append({**enc, "labels": row})
        return rows

    train_rows, val_rows = encode(train), encode(validation)
    model_type = keys.pop("model_type")
    config = AutoConfig.for_model(model_type, **{k: v for k, v in keys.items() if k not in ("architectures",)})
    config.id2label = dict(enumerate(labels))
    config.label2id = label2id
    model = AutoModelForTokenClassification.from_config(config)
    # As the studio (and its bundle): the loss of each micro-batch divided by the accumulation steps.
    model.accepts_loss_kwargs = False

    def metrics(ev):
        preds = np.argmax(ev.predictions, axis=-1)
        gold, pred = [], []
        for p_row, l_row in zip(preds, ev.label_ids):
            keep = l_row != -100
            gold.append([labels[i] for i in l_row[keep]])
            pred.append([labels[i] for i in p_row[keep]])
        m = compute(pred, gold)
        return {k: m[f"overall_{k}"] for k in ("precision", "recall", "f1", "accuracy")}

    out = a.output_dir or os.path.join("/tmp", f"compare-ner-{os.getpid()}")
    args = TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=a.batch,
        per_device_eval_batch_size=a.batch,
        num_train_epochs=a.epochs,
        learning_rate=a.lr,
        warmup_steps=a.warmup_steps,
        weight_decay=a.weight_decay,
        seed=a.seed,
        save_strategy="no",
        eval_strategy="no",
        logging_steps=50,
        report_to=[],
        disable_tqdm=True,
        use_cpu=not torch.cuda.is_available(),
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=val_rows,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        compute_metrics=metrics,
    )
    start = time.time()
    result = trainer.train()
    evaluation = trainer.evaluate()
    print(
        "COMPARE_JSON "
        + json.dumps(
            {
                **{k: v for k, v in evaluation.items() if k.startswith("eval_")},
                "train_loss": result.training_loss,
                "train_runtime": result.metrics["train_runtime"],
                "wall_s": time.time() - start,
                "steps": result.global_step,
                "parameters": model.num_parameters(),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
