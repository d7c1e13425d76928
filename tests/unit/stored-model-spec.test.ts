/** A stored run's model spec, read back to resume it: sizes, and the dropout it trained with. */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/io/runStore';
import { storedModelSpec } from '../../src/core/run/storedRun';

const SIZES = {
  kind: 'scratch',
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 24,
};
const recordOf = (model: Record<string, unknown>) => ({ model }) as unknown as RunRecord;

describe('storedModelSpec', () => {
  it('keeps the dropout a run trained with, and leaves it out for runs stored without it', () => {
    const zero = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    expect(storedModelSpec(recordOf({ ...SIZES, ...zero }))).toEqual({ ...SIZES, ...zero });
    expect(storedModelSpec(recordOf(SIZES))).toEqual(SIZES);
    expect(storedModelSpec(recordOf({ ...SIZES, hidden_dropout_prob: 'x' }))).toEqual(SIZES);
  });
});
