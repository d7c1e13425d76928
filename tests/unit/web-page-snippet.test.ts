/**
 * The npm snippet "Use it in your web page" shows, run as written in Node (transformers.js with
 * onnxruntime-node) against a folder holding only the files the panel says to serve: it loads
 * the model and gives the studio's scores for the text (q8, the default dtype).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  SERVED_FILES,
  cdnSnippet,
  folderLayout,
  modelNameOf,
  npmSnippet,
} from '../../src/ui/webPageSnippets';
import { csvBytes, smsRows, trainedSession } from './helpers/onnxDeploy';

const TEXT = 'Text to classify';

describe('the web page snippet', () => {
  it('runs as written on the served files alone and gives the studio’s scores', async () => {
    const rows = smsRows().slice(0, 160);
    const s = await trainedSession(
      csvBytes(
        ['label', 'text'],
        rows.map(([l, t]) => [l, t]),
      ),
      { text: 'text', label: 'label' },
      { max_steps: 5 },
    );
    const zip = unzipSync(await s.exportZip());
    const [studio] = await s.predict([TEXT]);

    const name = modelNameOf('trainer-studio-model.zip');
    const root = mkdtempSync(join(tmpdir(), 'web-page-snippet-'));
    for (const f of SERVED_FILES) {
      const path = join(root, 'models', name, f);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, zip[f]);
    }
    // The page's folder is a URL path; in Node it is the folder on disk.
    const code = npmSnippet(name).replace(
      "env.localModelPath = '/models/';",
      `env.localModelPath = ${JSON.stringify(`${join(root, 'models')}/`)};`,
    );
    expect(code).not.toContain("'/models/'");
    symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
    writeFileSync(
      join(root, 'page.mjs'),
      `${code}\nprocess.stdout.write('\\n' + JSON.stringify(scores));\n`,
    );
    const run = spawnSync(process.execPath, ['page.mjs'], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const scores = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as {
      label: string;
      score: number;
    }[];
    expect(scores.map((x) => x.label).sort()).toEqual([...studio.labels].sort());
    for (const [i, label] of studio.labels.entries()) {
      const got = scores.find((x) => x.label === label)?.score ?? NaN;
      expect(Math.abs(got - studio.probs[i])).toBeLessThan(0.02);
    }
    expect(scores[0].score).toBeGreaterThanOrEqual(scores[1].score); // best first
    s.model?.dispose();
  }, 60_000);

  it('names the folder after the zip, in the layout and both snippets', () => {
    expect(modelNameOf('my-run.ZIP')).toBe('my-run');
    const layout = folderLayout('my-run');
    for (const f of SERVED_FILES) expect(layout).toContain(f);
    for (const snippet of [npmSnippet('my-run'), cdnSnippet('my-run')]) {
      expect(snippet).toContain("pipeline('text-classification', 'my-run')");
      expect(snippet).toContain('env.allowRemoteModels = false');
    }
    expect(cdnSnippet('my-run')).toMatch(
      /cdn\.jsdelivr\.net\/npm\/@huggingface\/transformers@\d+\.\d+\.\d+'/,
    );
  });
});
