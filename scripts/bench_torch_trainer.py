"""transformers' side of `npm run bench:torch` (scripts/bench-torch.ts runs it; it can run alone).

Trains a model from scratch with transformers' Trainer: with --config, the studio's config.json of
any family (`AutoConfig.for_model(model_type, ...)` of its keys, then
`AutoModelForSequenceClassification.from_config`), else BertForSequenceClassification of a
BertConfig of --hidden/--layers/--heads/--intermediate; on a CSV (text,label), with the tokenizer in public/tokenizers/bert-base-uncased, padding each
batch to its longest row (DataCollatorWithPadding, as the studio's collate does), then evaluates
(forward only, no grad). Prints one line `BENCH_JSON {...}` with:

  train_samples_per_second  timed from the end of step `--skip` to the end of the last step
                            (a callback's on_step_end), so start-up and warm-up are left out
  eval_samples_per_second   the second of two evaluations over the validation file
  peak_rss_mib              resource.getrusage(RUSAGE_SELF).ru_maxrss of this process

  python3 scripts/bench_torch_trainer.py --train train.csv --validation validation.csv \
      --hidden 64 --layers 2 --heads 4 --intermediate 128 --steps 20

Exits 3 with `BENCH_JSON {"error": "import", ...}` when torch or transformers cannot be imported.
"""

import argparse
import csv
import inspect
import json
import os
import resource
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def emit(obj):
    print("BENCH_JSON " + json.dumps(obj), flush=True)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--validation", required=True)
    p.add_argument("--tokenizer", default=os.path.join(REPO, "public/tokenizers/bert-base-uncased"))
    p.add_argument(
        "--config",
        default=None,
        help="the studio's config.json of the model (any family); the sizes below are then unused",
    )
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=128)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--eval-batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--skip", type=int, default=2, help="steps left out of the timed window")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument(
        "--sequential",
        action="store_true",
        help="train the rows in file order (train_sampling_strategy='sequential', as the studio's side)",
    )
    p.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="cuda: the same run on the GPU (steps timed after torch.cuda.synchronize())",
    )
    p.add_argument(
        "--gradient-checkpointing",
        action="store_true",
        help="TrainingArguments(gradient_checkpointing=True)",
    )
    a = p.parse_args()

    try:
        import torch
        import transformers
        from transformers import (
            AutoConfig,
            AutoModelForSequenceClassification,
            BertConfig,
            BertForSequenceClassification,
            BertTokenizerFast,
            DataCollatorWithPadding,
            Trainer,
            TrainerCallback,
            TrainingArguments,
        )
    except ImportError as e:
        emit({"error": "import", "message": str(e)})
        sys.exit(3)

    torch.set_num_threads(a.threads)
    tok = BertTokenizerFast.from_pretrained(a.tokenizer)
    train_texts, train_labels = read_csv(a.train)
    eval_texts, eval_labels = read_csv(a.validation)
    names = sorted(set(train_labels) | set(eval_labels))
    label_id = {n: i for i, n in enumerate(names)}

    if a.config:
        with open(a.config, encoding="utf-8") as f:
            keys = json.load(f)
        model_type = keys.pop("model_type")
        for k in ("architectures", "transformers_version", "dtype", "torch_dtype"):
            keys.pop(k, None)
        config = AutoConfig.for_model(model_type, **keys)
        torch.manual_seed(42)
        model = AutoModelForSequenceClassification.from_config(config)
    else:
        config = BertConfig(
            vocab_size=len(tok),
            hidden_size=a.hidden,
            num_hidden_layers=a.layers,
            num_attention_heads=a.heads,
            intermediate_size=a.intermediate,
            max_position_embeddings=a.max_length,
            num_labels=len(names),
            pad_token_id=tok.pad_token_id,
        )
        torch.manual_seed(42)
        model = BertForSequenceClassification(config)
    # token_type_ids only for the families whose forward takes them (not DistilBERT, ...).
    with_types = "token_type_ids" in inspect.signature(model.forward).parameters

    class Rows(torch.utils.data.Dataset):
        def __init__(self, texts, labels):
            enc = tok(texts, truncation=True, max_length=a.max_length)
            self.items = [
                {
                    "input_ids": enc["input_ids"][i],
                    "attention_mask": enc["attention_mask"][i],
                    **({"token_type_ids": enc["token_type_ids"][i]} if with_types else {}),
                    "labels": label_id[labels[i]],
                }
                for i in range(len(texts))
            ]
            self.tokens = sum(len(x["input_ids"]) for x in self.items)

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i]

    train_ds = Rows(train_texts, train_labels)
    eval_ds = Rows(eval_texts, eval_labels)

    ends = []

    class StepTimer(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if a.device == "cuda":
                torch.cuda.synchronize()
            ends.append(time.perf_counter())

    collator = DataCollatorWithPadding(tok, padding="longest")
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out,
            max_steps=a.steps,
            per_device_train_batch_size=a.batch,
            per_device_eval_batch_size=a.eval_batch,
            learning_rate=5e-5,
            seed=42,
            report_to=[],
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="no",
            disable_tqdm=True,
            use_cpu=a.device == "cpu",
            dataloader_num_workers=0,
            gradient_checkpointing=a.gradient_checkpointing,
            **({"train_sampling_strategy": "sequential"} if a.sequential else {}),
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=eval_ds,
            data_collator=collator,
            callbacks=[StepTimer()],
        )
        t0 = time.perf_counter()
        out_train = trainer.train()
        train_wall = time.perf_counter() - t0
        skip = min(a.skip, len(ends) - 1)
        window = ends[-1] - ends[skip - 1] if skip > 0 else ends[-1] - t0
        timed_steps = len(ends) - skip
        trainer.evaluate()  # warm-up
        t1 = time.perf_counter()
        trainer.evaluate()
        eval_s = time.perf_counter() - t1

    emit(
        {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "threads": torch.get_num_threads(),
            "device": torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu",
            "optim": getattr(args.optim, "value", str(args.optim)),
            "steps": len(ends),
            "timed_steps": timed_steps,
            "train_samples_per_second": timed_steps * a.batch / window,
            "train_step_ms": 1000 * window / timed_steps,
            "hf_train_samples_per_second": out_train.metrics.get("train_samples_per_second"),
            "train_wall_s": train_wall,
            "eval_samples": len(eval_ds),
            "eval_samples_per_second": len(eval_ds) / eval_s,
            "mean_tokens": train_ds.tokens / len(train_ds),
            "mean_padded": sum(
                max(len(x["input_ids"]) for x in train_ds.items[k * a.batch : (k + 1) * a.batch])
                for k in range(len(ends))
            )
            / len(ends),
            "parameters": sum(x.numel() for x in model.parameters()),
            "model_type": config.model_type,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )


if __name__ == "__main__":
    main()
