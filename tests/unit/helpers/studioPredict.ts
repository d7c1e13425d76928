import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './runCli';

/**
 * `studio predict` with the folder `dir` on `texts` (a CSV written in `tmp`): each row's
 * probabilities in the model's label order (config.json's id2label), and whether it was cut.
 */
export async function studioPredictions(
  dir: string,
  tmp: string,
  texts: string[],
): Promise<{ labels: string[]; rows: { probs: number[]; truncated: boolean }[] }> {
  const name = dir.split('/').pop() ?? 'model';
  const csv = join(tmp, `texts-${name}.csv`);
  // A label column too: the table reader wants two columns.
  writeFileSync(
    csv,
    `text,label\n${texts.map((t) => `"${t.replace(/"/g, '""')}",x`).join('\n')}\n`,
  );
  const out = join(tmp, `preds-${name}.jsonl`);
  const r = await runCli([
    'predict',
    '--model_dir',
    dir,
    '--input_file',
    csv,
    '--output_file',
    out,
  ]);
  expect(r.code, r.err).toBe(0);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
    id2label: Record<string, string>;
  };
  const labels = Object.keys(config.id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => config.id2label[k]);
  const rows = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { probs: Record<string, number>; truncated?: boolean })
    .map((row) => ({ probs: labels.map((l) => row.probs[l]), truncated: row.truncated === true }));
  expect(rows).toHaveLength(texts.length);
  return { labels, rows };
}
