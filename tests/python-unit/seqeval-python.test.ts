/**
 * src/core/train/seqeval.ts and its Python restatement (tests/python/seqeval_rules.py, what the
 * "Run it elsewhere" bundle computes its metrics with) give the same numbers: on the WNUT 2017
 * dev tags against seeded random corruptions of them (wrong types, I- after O, cut and merged
 * entities, IOBES tags). Skipped, saying why, without python3 (failed under CI).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readTagged, sentenceCount, sentenceTags } from '../../src/core/data/tagged';
import { seqevalMetrics } from '../../src/core/train/seqeval';
import { createRng } from '../../src/core/util/rng';
import { requirePython } from '../unit/helpers/python';

const python = requirePython('seqeval-python', ['json']);

describe.skipIf(!python)('seqeval rules in TypeScript and in Python', () => {
  it('agree on WNUT dev tags against corrupted predictions', async () => {
    const c = readTagged(readFileSync('tests/fixtures/data/wnut17/emerging.dev.conll', 'utf8'));
    const gold = Array.from({ length: sentenceCount(c) }, (_, i) => sentenceTags(c, i));
    const rng = createRng(7);
    const tags = [...c.labelNames, 'S-person', 'E-location', 'B', 'I-'];
    const tmp = mkdtempSync(join(tmpdir(), 'seqeval-'));
    for (const rate of [0, 0.05, 0.3]) {
      const pred = gold.map((s) =>
        s.map((t) => (rng.next() < rate ? tags[rng.nextInt(tags.length)] : t)),
      );
      writeFileSync(join(tmp, 'in.json'), JSON.stringify({ gold, pred }));
      const { stdout } = await promisify(execFile)(
        'python3',
        ['tests/python/seqeval_rules.py', join(tmp, 'in.json')],
        { maxBuffer: 1 << 24 },
      );
      const py = JSON.parse(stdout) as Record<string, number | Record<string, number>>;
      const ts = seqevalMetrics(gold, pred);
      expect([ts.precision, ts.recall, ts.f1, ts.accuracy]).toEqual([
        py.overall_precision,
        py.overall_recall,
        py.overall_f1,
        py.overall_accuracy,
      ]);
      const perType = Object.fromEntries(
        Object.entries(py).filter(([k]) => !k.startsWith('overall_')),
      );
      expect(Object.fromEntries(ts.perType.map(({ type, ...s }) => [type, s]))).toEqual(perType);
      expect(ts.perType.map((t) => t.type)).toEqual(Object.keys(perType));
      if (rate === 0) expect(ts.f1).toBe(1);
    }
  });
});
