/**
 * The memory estimate and parameter count of a from-scratch model follow its family and its
 * sizes: the page's sizes go to the family's own keys (DistilBERT's dim, n_layers, ...).
 */
import { describe, expect, it } from 'vitest';

import { familyForModelType } from '../../src/core/model/families';
import { countParameters } from '../../src/core/model/memory';
import { estimateRunMemory } from '../../src/core/session/model';
import { defaultId2Label } from '../../src/core/model/config';

const sizes = {
  hidden_size: 96,
  num_hidden_layers: 3,
  num_attention_heads: 4,
  intermediate_size: 200,
  max_length: 32,
};

describe('from-scratch memory estimate', () => {
  it.each(['transformer', 'distilbert', 'electra', 'roberta', 'xlm-roberta'])(
    '%s: parameters of the family built with the chosen sizes',
    (modelType) => {
      const spec = { kind: 'scratch' as const, model_type: modelType, ...sizes };
      const est = estimateRunMemory(spec, 8, {}, 3, null, 1000);
      const family = familyForModelType(modelType === 'transformer' ? 'bert' : modelType);
      const config = family.scratchConfig({
        vocabSize: 1000,
        maxLength: 32,
        id2label: defaultId2Label(3),
        padTokenId: 0,
        problemType: null,
        settings: { ...sizes, max_length: undefined },
      });
      const dims = family.dims(config);
      expect(dims).toMatchObject({ hiddenSize: 96, numLayers: 3, intermediateSize: 200 });
      expect(est.parameters).toBe(countParameters(family, config));
      const small = estimateRunMemory({ ...spec, hidden_size: 64 }, 8, {}, 3, null, 1000);
      expect(small.parameters).toBeLessThan(est.parameters);
    },
  );

  it.each([
    ['bert', ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'classifier_dropout']],
    ['distilbert', ['dropout', 'attention_dropout', 'seq_classif_dropout']],
    ['electra', ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'classifier_dropout']],
    ['roberta', ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'classifier_dropout']],
    ['xlm-roberta', ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'classifier_dropout']],
  ] as const)("%s: the dropouts go to the family's keys %j", (modelType, keys) => {
    const config = familyForModelType(modelType).scratchConfig({
      vocabSize: 1000,
      maxLength: 32,
      id2label: defaultId2Label(2),
      padTokenId: 0,
      problemType: null,
      settings: {
        hidden_dropout_prob: 0.3,
        attention_probs_dropout_prob: 0.2,
        classifier_dropout: 0.4,
      },
    }) as unknown as Record<string, unknown>;
    expect(keys.map((k) => config[k])).toEqual([0.3, 0.2, 0.4]);
  });
});
