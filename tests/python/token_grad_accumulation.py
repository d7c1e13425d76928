"""What transformers 5.18's Trainer does with gradient accumulation for a token classifier.

`BertForTokenClassification.forward` takes `**kwargs`, so the Trainer sets
`model_accepts_loss_kwargs`, counts `num_items_in_batch` (labels != -100 over the accumulated
micro-batches) and skips its division by `gradient_accumulation_steps`; the model's loss ignores
`num_items_in_batch` (a plain `CrossEntropyLoss()` mean per micro-batch). This script trains one
step (lr 0) of a tiny model with 2 micro-batches of different labelled-token counts and prints
the classifier bias gradient the optimizer sees, beside:
- the sum of the micro-batches' mean losses' gradients (what the default gives),
- their average (what `model.accepts_loss_kwargs = False` gives: the Trainer divides by the
  accumulation steps; the studio's loop and its Run-it-elsewhere bundle follow this),
- the exact token mean over the whole accumulated batch.

Run: python3 tests/python/token_grad_accumulation.py
"""

import warnings

import torch
from transformers import BertConfig, BertForTokenClassification, Trainer, TrainerCallback, TrainingArguments

warnings.filterwarnings("ignore")
CFG = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                 intermediate_size=32, num_labels=3, hidden_dropout_prob=0, attention_probs_dropout_prob=0)


def make_rows():
    g = torch.Generator().manual_seed(1)
    rows = []
    for n in [6, 2, 5, 1]:  # labelled tokens per row differ
        ids = torch.randint(1, 50, (8,), generator=g)
        labels = torch.full((8,), -100)
        labels[:n] = torch.randint(0, 3, (n,), generator=g)
        rows.append({"input_ids": ids, "attention_mask": torch.ones(8, dtype=torch.long), "labels": labels})
    return rows


ROWS = make_rows()


def collate(batch):
    return {k: torch.stack([x[k] for x in batch]) for k in batch[0]}


def fresh():
    torch.manual_seed(0)
    return BertForTokenClassification(CFG)


def trainer_gradient(accepts_loss_kwargs=None, label_smoothing=0.0):
    model = fresh()
    if accepts_loss_kwargs is not None:
        model.accepts_loss_kwargs = accepts_loss_kwargs
    grabbed = {}

    class Grab(TrainerCallback):
        def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
            grabbed["grad"] = model.classifier.bias.grad.clone()

    args = TrainingArguments("/tmp/token-ga-check", per_device_train_batch_size=2, gradient_accumulation_steps=2,
                             max_steps=1, learning_rate=0.0, report_to=[], save_strategy="no",
                             label_smoothing_factor=label_smoothing, max_grad_norm=1e9)
    trainer = Trainer(model=model, args=args, train_dataset=ROWS, data_collator=collate, callbacks=[Grab()])
    trainer.get_train_dataloader = lambda: torch.utils.data.DataLoader(ROWS, batch_size=2, collate_fn=collate)
    trainer.train()
    return grabbed["grad"], trainer.model_accepts_loss_kwargs


def main():
    model = fresh()
    for part in ([0, 1], [2, 3]):
        model(**collate([ROWS[i] for i in part])).loss.backward()
    sum_of_means = model.classifier.bias.grad.clone()
    model = fresh()
    batch = collate(ROWS)
    logits = model(**batch).logits
    n = (batch["labels"] != -100).sum()
    loss = torch.nn.functional.cross_entropy(logits.view(-1, 3), batch["labels"].view(-1), reduction="sum") / n
    loss.backward()
    token_mean = model.classifier.bias.grad.clone()
    print(f"sum of micro-batch means: {sum_of_means.tolist()}")
    print(f"their average:            {(sum_of_means / 2).tolist()}")
    print(f"token mean of the batch:  {token_mean.tolist()}")
    for accepts in (None, False):
        for smoothing in (0.0, 0.1):
            grad, flag = trainer_gradient(accepts, smoothing)
            print(f"Trainer, accepts_loss_kwargs={flag}, label_smoothing_factor={smoothing}: {grad.tolist()}")


if __name__ == "__main__":
    main()
