/**
 * Node-only: load a tokenizer from a folder of HF tokenizer files. Kept apart from tokenizer.ts
 * so the browser build never pulls in `fs`.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadTokenizer, type Tokenizer } from './tokenizer';

/** Read `tokenizer.json` and `tokenizer_config.json` (optional: {} when absent) from `dir`. */
export async function loadTokenizerFromDir(dir: string): Promise<Tokenizer> {
  const tokenizerJson = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as object;
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerConfig = JSON.parse(
      await readFile(join(dir, 'tokenizer_config.json'), 'utf8'),
    ) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (typeof tokenizerConfig.name_or_path !== 'string') {
    tokenizerConfig = { ...tokenizerConfig, name_or_path: basename(dir) };
  }
  return loadTokenizer({ tokenizerJson, tokenizerConfig });
}
