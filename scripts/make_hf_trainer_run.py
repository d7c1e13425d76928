"""Makes a reference run of transformers' own Trainer, in the layout of tests/fixtures/hf-trainer-run.

    python3 scripts/make_hf_trainer_run.py --out DIR --train train.csv --validation validation.csv \
        --args training_args.json [--checkpoint DIR | --vocab vocab.txt]

With --vocab, a fresh BertForSequenceClassification (hidden 32, 2 layers, 4 heads, dropout 0) is
made with a WordPiece tokenizer over that vocabulary and saved as DIR/checkpoint; with
--checkpoint, that folder is copied there. The arguments file may hold data keys (max_length,
text_column, label_column) and the studio's early_stopping_patience / early_stopping_threshold
beside TrainingArguments: the data keys drive tokenization, early stopping becomes an
EarlyStoppingCallback, the rest goes to TrainingArguments. Batches are collated with
DataCollatorWithPadding; the model is marked accepts_loss_kwargs = False, the documented fix for
transformers#47688 (otherwise transformers 5 does not divide the loss by
gradient_accumulation_steps for this head). Writes trainer_state.json and final_logits.json (the
final model's logits on the validation rows, in file order).

Needs torch and transformers: pip install "torch<2.14" transformers accelerate
"""

import argparse
import csv
import json
import os
import shutil
import tempfile

import numpy as np
import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertTokenizerFast,
    AutoTokenizer,
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    Trainer,
    TrainingArguments,
)

DATA_KEYS = {"max_length", "text_column", "label_column"}
STUDIO_KEYS = {"early_stopping_patience", "early_stopping_threshold", "class_weights", "nan_policy"}


def read_rows(path, text_column, label_column):
    with open(path, newline="", encoding="utf-8") as f:
        return [(r[text_column], r[label_column]) for r in csv.DictReader(f)]


def make_checkpoint(out, vocab, labels, max_length, seed):
    torch.manual_seed(seed)
    tok = BertTokenizerFast(vocab_file=vocab, do_lower_case=True, model_max_length=max_length)
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=max_length,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        id2label=dict(enumerate(labels)),
        label2id={l: i for i, l in enumerate(labels)},
    )
    BertForSequenceClassification(config).save_pretrained(out)
    tok.save_pretrained(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--validation", required=True)
    p.add_argument("--args", required=True)
    p.add_argument("--checkpoint")
    p.add_argument("--vocab")
    a = p.parse_args()

    raw = json.load(open(a.args))
    if "max_seq_length" in raw:  # the name in transformers' example scripts
        raw["max_length"] = raw.pop("max_seq_length")
    max_length = raw.get("max_length", 64)
    text_col = raw.get("text_column", "text")
    label_col = raw.get("label_column", "label")
    train_rows = read_rows(a.train, text_col, label_col)
    val_rows = read_rows(a.validation, text_col, label_col)
    labels = sorted({l for _, l in train_rows + val_rows})

    os.makedirs(a.out, exist_ok=True)
    ck = os.path.join(a.out, "checkpoint")
    if a.checkpoint:
        if os.path.abspath(a.checkpoint) != os.path.abspath(ck):
            shutil.copytree(a.checkpoint, ck, dirs_exist_ok=True)
    elif a.vocab:
        make_checkpoint(ck, a.vocab, labels, max_length, raw.get("seed", 42))
    else:
        p.error("give --checkpoint or --vocab")
    for src, name in [(a.train, "train.csv"), (a.validation, "validation.csv"), (a.args, "training_args.json")]:
        dst = os.path.join(a.out, name)
        if not (os.path.exists(dst) and os.path.samefile(src, dst)):
            shutil.copy(src, dst)

    tok = AutoTokenizer.from_pretrained(ck)
    model = AutoModelForSequenceClassification.from_pretrained(ck)
    model.accepts_loss_kwargs = False
    label2id = model.config.label2id

    def encode(rows):
        enc = tok([t for t, _ in rows], truncation=True, max_length=max_length)
        return [
            {**{k: enc[k][i] for k in enc.keys()}, "labels": label2id[l]}
            for i, (_, l) in enumerate(rows)
        ]

    callbacks = []
    if raw.get("early_stopping_patience") is not None:
        callbacks.append(
            EarlyStoppingCallback(
                raw["early_stopping_patience"], raw.get("early_stopping_threshold", 0.0)
            )
        )
    targs = {k: v for k, v in raw.items() if k not in DATA_KEYS | STUDIO_KEYS | {"output_dir"}}
    work = tempfile.mkdtemp(prefix="hf-run-")
    args = TrainingArguments(output_dir=os.path.join(work, "trainer_output"), report_to="none", **targs)

    def accuracy(ev):
        return {"accuracy": float((np.argmax(ev.predictions, -1) == ev.label_ids).mean())}

    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=encode(train_rows),
        eval_dataset=encode(val_rows),
        data_collator=DataCollatorWithPadding(tok),
        compute_metrics=accuracy,
        callbacks=callbacks,
    )
    trainer.train()
    trainer.state.save_to_json(os.path.join(a.out, "trainer_state.json"))
    logits = trainer.predict(encode(val_rows)).predictions
    json.dump({"logits": logits.tolist()}, open(os.path.join(a.out, "final_logits.json"), "w"))
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {a.out}: global_step {trainer.state.global_step}, best {trainer.state.best_global_step}")


if __name__ == "__main__":
    main()
