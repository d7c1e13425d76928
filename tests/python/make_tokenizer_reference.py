"""What Python's AutoTokenizer gives for every fixture checkpoint's texts, written to
tests/fixtures/auto/tokenizer_reference.json for tests/unit/tokenizer-parity.test.ts.

Fixtures: tests/fixtures/auto/<family>/checkpoint (WordPiece: distilbert, electra; byte-level BPE:
roberta, modernbert; Unigram with Metaspace: xlm-roberta, deberta-v2) and
tests/fixtures/hf-trainer-run/checkpoint (BERT WordPiece). Texts: every row of the fixture's
train.csv and validation.csv, single and as pairs of consecutive rows, plus HARD strings (accents,
emoji, CJK, repeated and leading spaces, empty pairs, literal special tokens), each encoded as
`tokenizer(texts, [pairs], truncation=True, max_length=N)` for N in MAX_LENGTHS: batched, as
`Dataset.map(..., batched=True)` calls it when a dataset is prepared (a batched call keeps an empty
pair as a pair, where a single call `tokenizer("a", "")` drops it).

Each string is stored once in `texts`; an encoding names its text (`a`) and pair (`b`) by index
there and stores the ids and, where the tokenizer returns token_type_ids, the index of the
first 1 (-1 when all are 0; they are checked to be 0...0 1...1). Attention masks of unpadded
encodings are checked to be all ones here; `padded` holds one padded batch per fixture
(padding="longest") with its attention mask.

Run: python3 tests/python/make_tokenizer_reference.py
"""

import csv
import json
import os

from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
OUT = os.path.join(FIXTURES, "auto", "tokenizer_reference.json")
FAMILIES = ["distilbert", "electra", "roberta", "modernbert", "xlm-roberta", "deberta-v2"]
MAX_LENGTHS = [48, 12]
HARD = [
    "Héllo Wörld, café naïve résumé",
    "Cre\u0300me bru\u0302le\u0301e (combining accents)",
    "emoji 😀👍🏽 and ❤️ ok",
    "中文字符 日本語の文 한국어",
    "repeated   spaces    here",
    " leading space",
    "trailing space ",
    "tabs\tand\nnewlines\r\nhere",
    "don't I'm we'll",
    "ALL CAPS SHOUTING",
    "supercalifragilisticexpialidocious" * 4,
    "numbers 12345.678 and 3/4",
    "ﬁ ligature ① Ａｂｃ fullwidth",
    "literal [SEP] and </s> and <s> tokens",
    "",
]
HARD_PAIRS = [
    ("a text", ""),
    ("", "only the pair"),
    ("", ""),
    (" leading", "  two leading"),
    ("emoji 😀", "中文 text"),
]


def texts_of(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [r["text"] for r in csv.DictReader(f)]


def encodings(tok, texts, pairs, n):
    enc = tok(texts, pairs, truncation=True, max_length=n) if pairs else tok(texts, truncation=True, max_length=n)
    out = []
    for i, ids in enumerate(enc["input_ids"]):
        assert all(m == 1 for m in enc["attention_mask"][i]), texts[i]
        row = {"ids": ids}
        if "token_type_ids" in enc:
            t = enc["token_type_ids"][i]
            first = t.index(1) if 1 in t else -1
            assert all(x == (1 if first >= 0 and j >= first else 0) for j, x in enumerate(t)), t
            row["type1"] = first
        out.append(row)
    return out


class Texts:
    """The reference's table of strings: each stored once, named by index."""

    def __init__(self):
        self.items, self.index = [], {}

    def __call__(self, s):
        if s not in self.index:
            self.index[s] = len(self.items)
            self.items.append(s)
        return self.index[s]


def fixture(name, root, texts):
    ckpt = os.path.join(root, "checkpoint")
    tok = AutoTokenizer.from_pretrained(ckpt)
    rows = texts_of(os.path.join(root, "train.csv")) + texts_of(os.path.join(root, "validation.csv"))
    singles = rows + HARD
    pairs = [[rows[i], rows[i + 1]] for i in range(len(rows) - 1)] + [list(p) for p in HARD_PAIRS]
    cases = []
    for n in MAX_LENGTHS:
        for t, e in zip(singles, encodings(tok, singles, None, n)):
            cases.append({"a": texts(t), "n": n, **e})
        firsts, seconds = [a for a, _ in pairs], [b for _, b in pairs]
        for (a, b), e in zip(pairs, encodings(tok, firsts, seconds, n)):
            cases.append({"a": texts(a), "b": texts(b), "n": n, **e})
    batch = tok(rows[:8], truncation=True, max_length=48, padding="longest")
    return {
        "checkpoint": os.path.relpath(ckpt, FIXTURES),
        "tokenizer_class": type(tok).__name__,
        "model_input_names": list(tok.model_input_names),
        "pad_token_id": tok.pad_token_id,
        "cases": cases,
        "padded": {
            "texts": [texts(t) for t in rows[:8]],
            "input_ids": batch["input_ids"],
            "attention_mask": batch["attention_mask"],
        },
    }


def main():
    texts = Texts()
    fixtures = {}
    for fam in FAMILIES:
        fixtures[fam] = fixture(fam, os.path.join(FIXTURES, "auto", fam), texts)
    fixtures["hf-trainer-run"] = fixture(
        "hf-trainer-run", os.path.join(FIXTURES, "hf-trainer-run"), texts
    )
    ref = {"texts": texts.items, "fixtures": fixtures}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False, separators=(",", ":"))
    n = sum(len(v["cases"]) for v in fixtures.values())
    print(f"wrote {OUT}: {n} encodings, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
