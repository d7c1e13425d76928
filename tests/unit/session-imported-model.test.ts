/**
 * An imported model keeps its own tokenizer, and the page's data keeps the one it was prepared
 * with: predicting with the imported model uses the zip's tokenizer, and a run trained after the
 * import trains on (and exports) the page's tokenizer, never the imported one.
 */
import { describe, expect, it } from 'vitest';
import { StudioSession } from '../../src/core/session';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { unzipSync, strFromU8 } from 'fflate';
import { csvBytes, smsRows } from './helpers/onnxDeploy';

const SPEC = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 24,
};
const ARGS = { max_steps: 2, per_device_train_batch_size: 8, seed: 3 };
const COLUMNS = { text: 'text', label: 'label' };
const CSV = csvBytes(['label', 'text'], smsRows().slice(0, 80));

const vocabOf = (zip: Uint8Array) => {
  const files = unzipSync(zip);
  const config = JSON.parse(strFromU8(files['config.json'])) as { vocab_size: number };
  const tok = JSON.parse(strFromU8(files['tokenizer.json'])) as { model: { vocab: object } };
  return { config: config.vocab_size, tokenizer: Object.keys(tok.model.vocab).length };
};

describe('a model imported into a session', () => {
  it('predicts with its own tokenizer and leaves the data’s for the next run', async () => {
    // A model on a tokenizer trained on the data (a small vocabulary), exported.
    const other = new StudioSession();
    await other.loadTable('sms.csv', CSV);
    await other.trainTokenizer('text', 300);
    other.prepare({ columns: COLUMNS, validationFraction: 0.2, maxLength: 24, seed: 1 });
    await other.train(SPEC, ARGS);
    const importedZip = await other.exportZip();
    const imported = vocabOf(importedZip);
    const [expected] = await other.predict(['free prize call now']);
    expect(imported.config).toBeLessThan(1000);

    // The page: bert-base-uncased, data prepared, then the other model imported.
    const s = new StudioSession();
    await s.loadTable('sms.csv', CSV);
    const bert = s.useTokenizer(await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'));
    s.prepare({ columns: COLUMNS, validationFraction: 0.2, maxLength: 24, seed: 1 });
    await s.importZip(importedZip);
    expect(s.tokenizer).toBe(bert);
    const [got] = await s.predict(['free prize call now']);
    expect(got.probs[0]).toBeCloseTo(expected.probs[0], 5);
    expect(vocabOf(await s.exportZip())).toEqual(imported);
    // Its rows were tokenized for another tokenizer: the validation views refuse, saying why.
    await expect(s.evalRows()).rejects.toThrow(/another tokenizer than this model's/);

    // A run now trains on the page's tokenizer and exports it with the model.
    await s.train(SPEC, ARGS);
    expect(vocabOf(await s.exportZip())).toEqual({
      config: bert.vocabSize,
      tokenizer: bert.vocabSize,
    });
    expect((await s.evalRows()).problemType).toBe('single_label_classification');
    other.model?.dispose();
    s.model?.dispose();
  }, 60_000);
});
