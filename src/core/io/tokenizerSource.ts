/**
 * A tokenizer by Hugging Face Hub id (`bert-base-multilingual-cased`, `owner/name@revision`) or
 * folder URL: downloads tokenizer.json and tokenizer_config.json (where a repo has no
 * tokenizer.json, the slow tokenizer's vocab.txt, vocab.json + merges.txt or spm.model) with the checkpoint downloader of modelSource.ts (progress, Cache API), and
 * builds it, with messages that say what to do when the id, the network or the files fail.
 */
import { TokenizerFileError, loadTokenizer, type Tokenizer } from '../tokenize/tokenizer';
import { tokenizerFilesFromFolder } from '../tokenize/tokenizerFolder';
import {
  OPTIONAL_MODEL_FILES,
  SLOW_TOKENIZER_FILES,
  fetchFile,
  fetchSetup,
  modelBaseUrl,
  type FetchModelOptions,
} from './modelSource';

/** A downloaded, working tokenizer and where it came from. */
export interface FetchedTokenizer {
  /** The Hub id (with its @revision) or the URL's last path segment. */
  name: string;
  /** The folder URL the files came from (ends without "/"). */
  baseUrl: string;
  tokenizer: Tokenizer;
}

/**
 * Downloads and builds the tokenizer of a Hub id or folder URL (see {@link modelBaseUrl}).
 * tokenizer.json and tokenizer_config.json are fetched (each optional); vocab.txt only when there
 * is no tokenizer.json. Throws for a malformed id, a network failure (with the URL), a repo with
 * no tokenizer files, and files the studio's tokenizer cannot run.
 */
export async function fetchTokenizer(
  source: string,
  opts: FetchModelOptions = {},
): Promise<FetchedTokenizer> {
  const { baseUrl, name } = modelBaseUrl(source);
  const { fetchFn, cache } = await fetchSetup(opts);
  const files = new Map<string, Uint8Array>();
  for (const f of OPTIONAL_MODEL_FILES) {
    if (SLOW_TOKENIZER_FILES.includes(f) && files.has('tokenizer.json')) break; // not needed
    if (f !== 'vocab.txt' && SLOW_TOKENIZER_FILES.includes(f) && files.has('vocab.txt')) break;
    const bytes = await fetchFile(baseUrl, f, false, fetchFn, cache, opts);
    if (bytes) files.set(f, bytes);
  }
  const tokFiles = tokenizerFilesFromFolder(files, { name });
  if (!tokFiles) {
    throw new TokenizerFileError(
      files.has('tokenizer_config.json')
        ? `${name} has no tokenizer.json or vocab.txt (${baseUrl}): its tokenizer is a ` +
            `slow-only one (e.g. a SentencePiece .model file). In Python, ` +
            `AutoTokenizer.from_pretrained("${name}").save_pretrained("folder") writes a ` +
            `tokenizer.json: drop that folder's files here, or pick another tokenizer.`
        : `Found no tokenizer files at ${baseUrl}: check the id "${name}" (is it spelt right, ` +
            `public and not gated?). A model repo needs tokenizer.json (or vocab.txt).`,
    );
  }
  // As from_pretrained: the tokenizer's name_or_path is the id it was loaded by.
  tokFiles.tokenizerConfig = { ...tokFiles.tokenizerConfig, name_or_path: name };
  try {
    return { name, baseUrl, tokenizer: await loadTokenizer(tokFiles) };
  } catch (err) {
    if (!(err instanceof TokenizerFileError)) throw err;
    throw new TokenizerFileError(
      `The tokenizer of ${name} cannot be used here: ${err.message.replace(/ Use the .*$/, '')} ` +
        `The studio runs transformers.js tokenizers (WordPiece, BPE, Unigram in tokenizer.json). ` +
        `Pick another Hub tokenizer, a bundled one, or train one on the data.`,
    );
  }
}
