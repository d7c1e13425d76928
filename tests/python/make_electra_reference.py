"""Writes tests/fixtures/auto/electra/reference.json (see family_reference.py), plus in `extra`
the parameter names and shapes of the same config with `embedding_size` equal to `hidden_size`
(no `electra.embeddings_project` then).

    python3 tests/python/make_electra_reference.py
"""

import copy

from transformers import ElectraForSequenceClassification

from family_reference import make_reference


def same_size_params(model, _fresh):
    config = copy.deepcopy(model.config)
    config.embedding_size = config.hidden_size
    m = ElectraForSequenceClassification(config)
    return {"same_size_params": [[n, list(p.shape)] for n, p in m.named_parameters()]}


if __name__ == "__main__":
    make_reference(
        "electra",
        full_grads={
            "classifier.out_proj.weight",
            "classifier.dense.weight",
            "electra.embeddings_project.weight",
            "electra.embeddings.position_embeddings.weight",
            "electra.encoder.layer.0.attention.self.query.weight",
            "electra.encoder.layer.1.intermediate.dense.bias",
            "electra.encoder.layer.1.output.LayerNorm.weight",
        },
        head=("classifier.dense.weight", "classifier.out_proj.weight"),
        extra=same_size_params,
    )
