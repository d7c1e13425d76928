"""transformers' token-classification pipeline with aggregation_strategy="simple", written to
tests/fixtures/tagged/aggregate_reference.json for tests/unit/aggregate-entities.test.ts.

A tiny random BertForTokenClassification / RobertaForTokenClassification (seeded; the classifier
scaled up so that the tags vary and scores spread) with the WNUT 2017 tags as id2label, around
bert-base-uncased's tokenizer (public/tokenizers) and the RoBERTa fixture's byte-level BPE. For
each text: the input ids, offsets and special-tokens mask the pipeline's preprocess gives, the
logits its forward gives, and the entities its postprocess returns.

    python3 tests/python/make_aggregate_reference.py
"""

import json
import os

import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForTokenClassification,
    RobertaConfig,
    RobertaForTokenClassification,
    pipeline,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "tagged", "aggregate_reference.json")
TAGS = [
    "B-corporation", "B-creative-work", "B-group", "B-location", "B-person", "B-product",
    "I-corporation", "I-creative-work", "I-group", "I-location", "I-person", "I-product", "O",
]
TEXTS = [
    "Empire State Building = ESB . Pretty bad storm here last evening .",
    "@paulwalk It's the view from where I'm living for two weeks.",
    "Héllo Wörld, café naïve résumé in São Paulo",
    "Apple and Microsoft announced the iPhone 15 in New York City",
    "don't I'm we'll U.S.A. 3/4 12,345.67",
    "emoji 😀 and ❤ ok #NYC",
    "repeated   spaces    here",
    "The Lord of the Rings was filmed in New Zealand by Peter Jackson",
    "supercalifragilisticexpialidocious is a long word",
    "中文字符 mixed with English",
    "Taylor Swift played Wembley Stadium with Ed Sheeran",
    "a",
]
MODELS = {
    "bert-base-uncased": (
        os.path.join(ROOT, "public", "tokenizers", "bert-base-uncased"),
        lambda: BertForTokenClassification(
            BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=64, max_position_embeddings=128,
                       id2label=dict(enumerate(TAGS)), label2id={t: i for i, t in enumerate(TAGS)})
        ),
    ),
    "roberta": (
        os.path.join(ROOT, "tests", "fixtures", "auto", "roberta", "checkpoint"),
        lambda: RobertaForTokenClassification(
            RobertaConfig(vocab_size=500, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                          intermediate_size=64, max_position_embeddings=130, pad_token_id=1,
                          id2label=dict(enumerate(TAGS)), label2id={t: i for i, t in enumerate(TAGS)})
        ),
    ),
}


def main():
    out = {"labelNames": TAGS, "texts": TEXTS, "models": {}}
    for name, (tok_dir, make) in MODELS.items():
        torch.manual_seed(0)
        model = make().eval()
        with torch.no_grad():
            model.classifier.weight.mul_(40.0)
        tok = AutoTokenizer.from_pretrained(tok_dir)
        ner = pipeline("token-classification", model=model, tokenizer=tok, aggregation_strategy="simple")
        rows = []
        for text in TEXTS:
            pre = next(iter(ner.preprocess(text, **ner._preprocess_params)))
            fwd = ner.forward(pre, **ner._forward_params)
            entities = ner.postprocess([fwd], **ner._postprocess_params)
            assert entities == ner(text), text
            rows.append(
                {
                    "ids": pre["input_ids"][0].tolist(),
                    "offsets": pre["offset_mapping"][0].tolist(),
                    "special": pre["special_tokens_mask"][0].tolist(),
                    "logits": [[float(x) for x in row] for row in fwd["logits"][0].tolist()],
                    "entities": [
                        {
                            "entity_group": e["entity_group"],
                            "score": float(e["score"]),
                            "word": e["word"],
                            "start": e["start"],
                            "end": e["end"],
                        }
                        for e in entities
                    ],
                }
            )
        out["models"][name] = rows
        print(name, sum(len(r["entities"]) for r in rows), "entities")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {OUT} ({os.path.getsize(OUT) // 1024} KB)")


if __name__ == "__main__":
    main()
