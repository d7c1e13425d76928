/**
 * The page's model download: named after the model (the data set and the model, folder-safe),
 * its files in that one top folder so it unzips as the folder the web-page panel names; a zip of
 * either layout (one top folder, or flat as earlier exports) loads back.
 */
import { readFileSync } from 'node:fs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { RunService } from '../../src/core/run/service';
import { exportFolderName } from '../../src/core/session/exportImport';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { modelNameOf } from '../../src/ui/webPageSnippets';

const DATA = new TextEncoder().encode(
  readFileSync('tests/fixtures/data/sst2-train-300.tsv', 'utf8')
    .split('\n')
    .slice(0, 61)
    .join('\n'),
);
const TINY = {
  kind: 'scratch' as const,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_length: 16,
};

async function trained(fileName: string) {
  const service = new RunService({ events: { warning: () => {} } });
  await service.loadTable(fileName, DATA);
  service.useTokenizer(await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'), 'bert');
  await service.prepare({
    columns: { text: 'sentence', label: 'label' },
    validationFraction: 0.2,
    maxLength: 16,
    seed: 1,
  });
  await service.train(TINY, { max_steps: 1, per_device_train_batch_size: 8 });
  return service;
}

describe('the exported model zip', () => {
  it('is named after the model and unzips as that folder; both layouts load back', async () => {
    const service = await trained('sst2 train (v2).tsv');
    const exported = await service.exportModel();
    expect(exported.fileName).toBe('sst2-train-v2-bert.zip');
    const folder = modelNameOf(exported.fileName);
    const files = unzipSync(exported.zip);
    const names = Object.keys(files);
    expect(names.every((n) => n.startsWith(`${folder}/`))).toBe(true);
    for (const f of ['config.json', 'model.safetensors', 'onnx/model.onnx', 'tokenizer.json']) {
      expect(names).toContain(`${folder}/${f}`);
    }

    // Load exported model: the zip as downloaded, and the same files flat (earlier exports).
    const other = new RunService({ events: { warning: () => {} } });
    expect((await other.session.importZip(exported.zip)).labels).toEqual(['0', '1']);
    const flat = zipSync(
      Object.fromEntries(names.map((n) => [n.slice(folder.length + 1), files[n]])),
    );
    expect((await other.session.importZip(flat)).labels).toEqual(['0', '1']);
    await expect(
      other.session.importZip(zipSync({ 'x/readme.txt': strToU8('no model') })),
    ).rejects.toThrow(/The zip has no config.json/);
  }, 60_000);

  it('names a fine-tuned model after its checkpoint, and stays folder-safe', () => {
    expect(
      exportFolderName({
        baseModel: { name: 'bert-tiny', hubId: 'prajjwal1/bert-tiny' },
        datasetName: 'ag_news.csv.gz',
      }),
    ).toBe('ag_news-bert-tiny');
    expect(exportFolderName({ baseModel: null, datasetName: '../../a b?.csv' })).toBe('a-b-bert');
    expect(exportFolderName({ baseModel: null, datasetName: null })).toBe('bert');
    expect(exportFolderName({ baseModel: { name: '///', hubId: null }, datasetName: '...' })).toBe(
      'model',
    );
  });
});
