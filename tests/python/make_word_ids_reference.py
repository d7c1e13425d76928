"""What transformers' fast tokenizers give for pre-split words and for offsets, written to
tests/fixtures/tagged/word_ids_reference.json for tests/unit/tokenizer-word-ids.test.ts.

For the first WNUT 2017 training sentences (tests/fixtures/data/wnut17), each tokenizer's
`tokenizer(words, is_split_into_words=True, truncation=True, max_length=n)`: input_ids, the
word ids, and the labels of the token-classification guide's `tokenize_and_align_labels` (first
sub-token of a word labelled, -100 elsewhere) and of run_ner.py's `label_all_tokens` (every
sub-token, B- turned to I- after the first). Byte-level BPE tokenizers are loaded with
`add_prefix_space=True`, which transformers requires for pre-split words. For plain texts:
input_ids, `return_offsets_mapping` and the special-tokens mask, with the tokenizer as saved.

Tokenizers: bert-base-uncased and -cased (public/tokenizers), the fixture checkpoints' RoBERTa and ModernBERT
byte-level BPE, XLM-R Unigram and DeBERTa-v3 (DebertaV2Tokenizer) Unigram.

    python3 tests/python/make_word_ids_reference.py
"""

import json
import os

from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(FIXTURES, "tagged", "word_ids_reference.json")
TOKENIZERS = {
    "bert-base-uncased": os.path.join(ROOT, "public", "tokenizers", "bert-base-uncased"),
    "bert-base-cased": os.path.join(ROOT, "public", "tokenizers", "bert-base-cased"),
    "roberta": os.path.join(FIXTURES, "auto", "roberta", "checkpoint"),
    "modernbert": os.path.join(FIXTURES, "auto", "modernbert", "checkpoint"),
    "xlm-roberta": os.path.join(FIXTURES, "auto", "xlm-roberta", "checkpoint"),
    "deberta-v2": os.path.join(FIXTURES, "auto", "deberta-v2", "checkpoint"),
}
BYTE_LEVEL = {"roberta", "modernbert"}
SENTENCES = 300
# (max_length, sentences): one long enough for almost every sentence, one that cuts most. The
# fixture checkpoints' small vocabularies make 2x more tokens than bert-base-uncased: fewer
# sentences for them and for bert-base-cased (the fixture stays small), and labels only for bert-base-uncased (they are
# a function of the word ids, which every tokenizer's rows hold).
MAX_LENGTHS = [(128, SENTENCES), (12, 60)]
SMALL_VOCAB_SENTENCES = 100
LABELLED = "bert-base-uncased"
# Pre-split words that are not plain: empty, a space, accents, an added token's text, emoji.
EDGE_WORDS = [
    ["a", "", "b", " "],
    ["Héllo", "naïve", "Cre\u0300me", "\u200b", "x"],
    ["[SEP]", "</s>", "<s>", "[CLS]x", "y"],
    ["😀", "❤️", "#NYC", "@paulwalk", "don't"],
]
TEXTS = [
    "Empire State Building = ESB . Pretty bad storm here last evening .",
    "Héllo Wörld, café naïve résumé in São Paulo",
    "Cre\u0300me bru\u0302le\u0301e at Café Müller",
    "emoji 😀👍🏽 and ❤️ ok @paulwalk #NYC",
    "repeated   spaces    here",
    " leading space and trailing ",
    "don't I'm we'll U.S.A. 3/4 12,345.67",
    "ﬁ ligature ① Ａｂｃ fullwidth",
    "中文字符 日本語 한국어 mixed with English",
    "supercalifragilisticexpialidocious is a long word",
    "tabs\tand\nnewlines here",
    "",
]


def read_conll(path, n):
    sents, words, tags = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip() == "":
                if words:
                    sents.append((words, tags))
                    words, tags = [], []
                    if len(sents) == n:
                        break
                continue
            cols = line.split("\t")
            words.append(cols[0])
            tags.append(cols[-1])
    if words and len(sents) < n:
        sents.append((words, tags))
    return sents


def align(word_ids, tag_ids, label_all, b_to_i):
    """The guide's tokenize_and_align_labels (run_ner.py's with label_all_tokens)."""
    labels = []
    prev = None
    for w in word_ids:
        if w is None:
            labels.append(-100)
        elif w != prev:
            labels.append(tag_ids[w])
        else:
            labels.append(b_to_i[tag_ids[w]] if label_all else -100)
        prev = w
    return labels


def main():
    sents = read_conll(os.path.join(FIXTURES, "data", "wnut17", "wnut17train.conll"), SENTENCES)
    label_list = sorted({t for _, tags in sents for t in tags})
    # run_ner.py's b_to_i_label: B-X -> I-X when I-X is a label.
    b_to_i = []
    for i, label in enumerate(label_list):
        if label.startswith("B-") and label.replace("B-", "I-") in label_list:
            b_to_i.append(label_list.index(label.replace("B-", "I-")))
        else:
            b_to_i.append(i)
    out = {
        "labelNames": label_list,
        "sentences": [w for w, _ in sents],
        "edgeWords": EDGE_WORDS,
        "texts": TEXTS,
        "tokenizers": {},
    }
    for name, path in TOKENIZERS.items():
        kwargs = {"add_prefix_space": True} if name in BYTE_LEVEL else {}
        split_tok = AutoTokenizer.from_pretrained(path, **kwargs)
        assert split_tok.is_fast, name
        entry = {"words": []}
        for max_length, n in MAX_LENGTHS:
            rows = []
            count = n if name == LABELLED else min(n, SMALL_VOCAB_SENTENCES)
            for words, tags in sents[:count]:
                enc = split_tok(words, is_split_into_words=True, truncation=True, max_length=max_length)
                word_ids = enc.word_ids()
                tag_ids = [label_list.index(t) for t in tags]
                row = {"ids": enc["input_ids"], "wordIds": word_ids}
                if name == LABELLED:
                    row["labels"] = align(word_ids, tag_ids, False, b_to_i)
                    row["labelsAll"] = align(word_ids, tag_ids, True, b_to_i)
                rows.append(row)
            entry["words"].append({"maxLength": max_length, "rows": rows})
        entry["edgeWords"] = []
        for words in EDGE_WORDS:
            enc = split_tok(words, is_split_into_words=True, truncation=True, max_length=64)
            entry["edgeWords"].append({"ids": enc["input_ids"], "wordIds": enc.word_ids()})
        text_tok = AutoTokenizer.from_pretrained(path)
        entry["texts"] = []
        for max_length in (64, 10):
            rows = []
            for text in TEXTS:
                enc = text_tok(
                    text,
                    truncation=True,
                    max_length=max_length,
                    return_offsets_mapping=True,
                    return_special_tokens_mask=True,
                )
                rows.append(
                    {
                        "ids": enc["input_ids"],
                        "offsets": [list(o) for o in enc["offset_mapping"]],
                        "special": enc["special_tokens_mask"],
                    }
                )
            entry["texts"].append({"maxLength": max_length, "rows": rows})
        out["tokenizers"][name] = entry
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {OUT} ({os.path.getsize(OUT) // 1024} KB)")


if __name__ == "__main__":
    main()
