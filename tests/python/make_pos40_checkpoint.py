"""Writes tests/fixtures/bert-pos40: a tiny random BertForSequenceClassification whose
max_position_embeddings and tokenizer model_max_length are 40, saved by transformers itself
(config.json, model.safetensors, tokenizer.json, tokenizer_config.json, vocab.txt). Fine-tuning it
at the studio's default max_length 64 lowers max_length to 40; the interop test fine-tunes it at 32.

    python3 tests/python/make_pos40_checkpoint.py
"""

import os

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
OUT = os.path.join(FIXTURES, "bert-pos40")


def main() -> None:
    torch.manual_seed(0)
    with open(os.path.join(FIXTURES, "bert-tiny-random", "vocab.txt"), encoding="utf-8") as f:
        vocab = {token: i for i, token in enumerate(f.read().splitlines())}
    # transformers 5's BertTokenizer takes the vocabulary itself (a vocab_file= is ignored).
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=40)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=40,
        num_labels=2,
    )
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(OUT)
    tokenizer.save_pretrained(OUT)
    print(f"wrote {OUT}: vocab {len(tokenizer)}, max_position_embeddings 40")


if __name__ == "__main__":
    main()
