/**
 * A token-classification bundle whose data is left out (over the size limit) names the CoNLL
 * file and the validation fraction; train.py's own reading and seeded sentence split of that
 * file (`load_tagged_splits`) gives the sentences and tags the studio trained and evaluated on,
 * the ones a bundle with its data carries. Skipped, saying why, where python3 lacks torch or
 * transformers (train.py imports them); under CI that fails instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildScriptBundle } from '../../src/core/script/bundle';
import { scriptBundleInput } from '../../src/core/script/fromSession';
import { StudioSession } from '../../src/core/session';
import { loadTokenizerFromDir } from '../../src/core/tokenize/tokenizerNode';
import { parseTrainingArguments } from '../../src/core/train/args';
import { wnutSlice } from '../unit/helpers/nerCli';
import { requirePython } from '../unit/helpers/python';

const python = requirePython('token-bundle-split', ['torch', 'transformers']);

const SPLIT_CHECK = `
import json, sys
sys.argv = ["train.py"]
sys.path.insert(0, ".")
import train
args = json.load(open("args.json"))
data = train.DataArguments(train_file=args["train_file"], validation_split=args["validation_split"],
                           label_list=args["label_list"], task=args["task"])
tr, va, names = train.load_tagged_splits(data, args["seed"], ".")
print(json.dumps({"train": tr, "validation": va, "names": names}))
`;

const rowsOf = (jsonl: string): [string[], string[]][] =>
  jsonl
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { tokens: string[]; ner_tags: string[] })
    .map((r) => [r.tokens, r.ner_tags]);

describe.skipIf(!python)("train.py's split of a tagged file left out of the bundle", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is the sentence split the studio trained on', async () => {
    const session = new StudioSession();
    session.useTokenizer(await loadTokenizerFromDir('public/tokenizers/bert-base-uncased'));
    await session.loadTable(
      'wnut17train.conll',
      new TextEncoder().encode(wnutSlice('wnut17train.conll', 150)),
    );
    await session.prepare({
      columns: { text: 'tokens', label: 'ner_tags' },
      validationFraction: 0.2,
      maxLength: 32,
      seed: 7,
    });
    const spec = {
      kind: 'scratch' as const,
      hidden_size: 16,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 32,
      max_length: 32,
    };
    const input = await scriptBundleInput(session, {
      spec,
      args: parseTrainingArguments({ seed: 7 }).args,
    });
    const carried = buildScriptBundle(input).files;
    const { files, leftOut } = buildScriptBundle(input, { dataBytes: 100, weightsBytes: 1e9 });
    expect(files['data/train.jsonl']).toBeUndefined();
    expect(leftOut.join(' ')).toMatch(/put wnut17train\.conll beside args\.json/);
    const args = JSON.parse(files['args.json'] as string) as Record<string, unknown>;
    expect(args).toMatchObject({
      train_file: 'wnut17train.conll',
      validation_split: 0.2,
      task: 'token-classification',
    });
    expect(args.header).toBeUndefined();

    const dir = mkdtempSync(join(tmpdir(), 'studio-token-split-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    writeFileSync(join(dir, 'wnut17train.conll'), wnutSlice('wnut17train.conll', 150));
    const r = spawnSync('python3', ['-c', SPLIT_CHECK], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const split = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      train: [string[], string[]][];
      validation: [string[], string[]][];
      names: string[];
    };
    expect(split.names).toEqual(args.label_list);
    expect(split.validation).toEqual(rowsOf(carried['data/validation.jsonl'] as string));
    expect(split.train).toEqual(rowsOf(carried['data/train.jsonl'] as string));
    expect(split.validation.length).toBe(30);
    expect(split.train.length).toBe(120);
  }, 120_000);
});
