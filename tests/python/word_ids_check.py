"""transformers' word ids and offsets for tokenizer folders, for tests/python-unit/word-ids-trained.test.ts.

    python3 tests/python/word_ids_check.py IN.json OUT.json

IN.json: {"cases": [{"dir", "add_prefix_space", "sentences", "texts", "max_length"}]}. Each case's
folder is loaded with AutoTokenizer (add_prefix_space=True where asked: transformers requires it of
byte-level BPE classes for pre-split words); OUT.json gets, per case, `tokenizer(words,
is_split_into_words=True, truncation=True, max_length)`'s input_ids and word ids, and for each text
the input_ids, offsets and special-tokens mask of the tokenizer as saved.
"""

import json
import sys

from transformers import AutoTokenizer


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    out = []
    for case in cases:
        kwargs = {"add_prefix_space": True} if case["add_prefix_space"] else {}
        split_tok = AutoTokenizer.from_pretrained(case["dir"], **kwargs)
        text_tok = AutoTokenizer.from_pretrained(case["dir"])
        words = []
        for sentence in case["sentences"]:
            enc = split_tok(sentence, is_split_into_words=True, truncation=True, max_length=case["max_length"])
            words.append({"ids": enc["input_ids"], "wordIds": enc.word_ids()})
        texts = []
        for text in case["texts"]:
            enc = text_tok(
                text,
                truncation=True,
                max_length=case["max_length"],
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
            )
            texts.append(
                {
                    "ids": enc["input_ids"],
                    "offsets": [list(o) for o in enc["offset_mapping"]],
                    "special": enc["special_tokens_mask"],
                }
            )
        out.append({"class": type(split_tok).__name__, "words": words, "texts": texts})
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
