"""What transformers builds from a RoBERTa folder that has only vocab.json + merges.txt.

Copies the RoBERTa fixture's vocab.json, merges.txt and tokenizer_config.json to a temporary
folder, loads it with AutoTokenizer (transformers' converter makes the tokenizer.json), and
writes tests/fixtures/vocab-merges/roberta_converted.json: that tokenizer.json without its
vocab and merges (the fixture's own), and the ids and token_type_ids of some texts and pairs.
"""

import json
import shutil
import tempfile
from pathlib import Path

from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "tests/fixtures/auto/roberta/checkpoint"
OUT = ROOT / "tests/fixtures/vocab-merges/roberta_converted.json"
TEXTS = [
    ["Hello world <mask>!", None],
    ["  Tokenizers split words, numbers (1234) and émojis 🙂 differently.", None],
    ["Is it good?", "Yes, it is very good."],
]

with tempfile.TemporaryDirectory() as tmp:
    for f in ["vocab.json", "merges.txt", "tokenizer_config.json"]:
        shutil.copy(SRC / f, Path(tmp) / f)
    tok = AutoTokenizer.from_pretrained(tmp)
    built = json.loads(tok.backend_tokenizer.to_str())
    built["model"] = {k: v for k, v in built["model"].items() if k not in ("vocab", "merges")}
    encoded = []
    for text, pair in TEXTS:
        enc = tok(text, pair) if pair is not None else tok(text)
        encoded.append({"text": text, "pair": pair, "input_ids": enc["input_ids"]})
    OUT.write_text(
        json.dumps(
            {"class": type(tok).__name__, "tokenizer_json": built, "encoded": encoded},
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"wrote {OUT}")
