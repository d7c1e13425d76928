/**
 * The tokenizer files `studio train` writes with the model: the files of the tokenizer folder it
 * was given (tokenizer.json, vocab.txt, merges...) as they are, or the loaded tokenizer's own
 * (a checkpoint's, a downloaded or trained one); tokenizer_config.json always rewritten so that
 * its model_max_length is the max_length the model was trained with (core/tokenize/exportConfig.ts).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exportedTokenizerConfigJson } from '../core/tokenize/exportConfig';
import type { Tokenizer } from '../core/tokenize/tokenizer';
import { readBytes, readJson } from './files';

/** Files of a tokenizer folder copied into the output folder (tokenizer_config.json rewritten). */
const COPIED =
  /^(tokenizer\.json|vocab\.txt|special_tokens_map\.json|merges\.txt|vocab\.json|tokenizer_config\.json)$/;

/**
 * File name -> contents of the tokenizer in an output folder. `srcDir`: the folder `tok` was
 * loaded from, or null; `maxLength` and `maxPositionEmbeddings` set model_max_length.
 */
export async function tokenizerOutputFiles(
  tok: Tokenizer,
  srcDir: string | null,
  maxLength: number,
  maxPositionEmbeddings: number,
): Promise<Record<string, Uint8Array | string>> {
  const config = (base: object) =>
    exportedTokenizerConfigJson(base, tok.files.tokenizerJson, maxLength, maxPositionEmbeddings);
  if (srcDir === null) {
    return {
      'tokenizer.json': JSON.stringify(tok.files.tokenizerJson),
      'tokenizer_config.json': config(tok.files.tokenizerConfig),
    };
  }
  const files: Record<string, Uint8Array | string> = {};
  const names = (await readdir(srcDir)).filter((f) => COPIED.test(f));
  for (const f of names) {
    if (f !== 'tokenizer_config.json')
      files[f] = await readBytes(join(srcDir, f), 'tokenizer file');
  }
  // The folder's own file when it has one (keys as its author wrote them), else the loaded one.
  files['tokenizer_config.json'] = config(
    names.includes('tokenizer_config.json')
      ? await readJson(join(srcDir, 'tokenizer_config.json'), 'tokenizer config')
      : tok.files.tokenizerConfig,
  );
  return files;
}
