"""Writes tests/fixtures/auto/distilbert/reference.json (see family_reference.py), plus in `extra`
the position table HF initialises when `sinusoidal_pos_embds` is true (the fixture's sizes:
48 positions x 32).

    python3 tests/python/make_distilbert_reference.py
"""

import torch
from transformers import DistilBertConfig, DistilBertForSequenceClassification

from family_reference import make_reference, rounded


def sinusoidal(model, _fresh):
    c = model.config
    config = DistilBertConfig(
        vocab_size=c.vocab_size,
        dim=c.dim,
        n_layers=1,
        n_heads=c.n_heads,
        hidden_dim=c.hidden_dim,
        max_position_embeddings=c.max_position_embeddings,
        sinusoidal_pos_embds=True,
    )
    torch.manual_seed(0)
    m = DistilBertForSequenceClassification(config)
    table = m.distilbert.embeddings.position_embeddings.weight
    return {
        "sinusoidal": {
            "max_position_embeddings": c.max_position_embeddings,
            "dim": c.dim,
            "requires_grad": table.requires_grad,
            "table": rounded(table.detach().flatten().tolist()),
        }
    }


if __name__ == "__main__":
    make_reference(
        "distilbert",
        full_grads={
            "classifier.weight",
            "pre_classifier.weight",
            "distilbert.embeddings.position_embeddings.weight",
            "distilbert.transformer.layer.0.attention.q_lin.weight",
            "distilbert.transformer.layer.1.ffn.lin1.bias",
            "distilbert.transformer.layer.1.output_layer_norm.weight",
        },
        head=("pre_classifier.weight", "classifier.weight"),
        extra=sinusoidal,
    )
