/**
 * The tokenizer of an HF folder (a checkpoint, a Hub repo, dropped files) as the two JSON files
 * the studio builds tokenizers from: tokenizer.json with tokenizer_config.json as they are, or,
 * for folders that ship only the slow tokenizer's vocab.txt (the Google BERT miniatures, older
 * BERT repos), a BERT WordPiece tokenizer.json made from it; for those with only vocab.json +
 * merges.txt (older RoBERTa repos), the byte-level BPE tokenizer.json transformers builds from
 * them. A SentencePiece model alone (`spm.model`: microsoft/deberta-v3-*) is refused with the
 * step that writes its tokenizer.json.
 */
import type { TokenizerFiles } from './tokenizer';
import { parseVocabTxt, wordPieceTokenizerFiles } from './wordpiece';
import { TokenizerFileError } from './tokenizer';
import { byteLevelBpeFromVocabMerges } from './vocabMerges';

/** File names a folder's tokenizer is read from, in the order they are looked for. */
export const TOKENIZER_FOLDER_FILES: readonly string[] = [
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'spm.model',
  'sentencepiece.bpe.model',
];

/** SentencePiece models of slow tokenizers (DeBERTa-v2/v3's, XLM-R's), which the studio cannot read. */
const SENTENCEPIECE_FILES = ['spm.model', 'sentencepiece.bpe.model'];

function json(file: string, bytes: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new TokenizerFileError(`${file} is not valid JSON.`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TokenizerFileError(`${file} must be a JSON object.`);
  }
  return v as Record<string, unknown>;
}

/**
 * The folder's tokenizer files (base name -> bytes), or null when it has neither tokenizer.json
 * nor vocab.txt. `name` becomes tokenizer_config's name_or_path where that is missing; a
 * vocab.txt is lowercased as its config's do_lower_case says, else as its name ("uncased").
 */
export function tokenizerFilesFromFolder(
  files: ReadonlyMap<string, Uint8Array>,
  opts: { name: string; modelMaxLength?: number },
): TokenizerFiles | null {
  const tj = files.get('tokenizer.json');
  const tc = files.get('tokenizer_config.json');
  const vocab = files.get('vocab.txt');
  const config = tc ? json('tokenizer_config.json', tc) : {};
  if (tj) {
    const tokenizerConfig =
      typeof config.name_or_path === 'string' ? config : { ...config, name_or_path: opts.name };
    return { tokenizerJson: json('tokenizer.json', tj), tokenizerConfig };
  }
  const vocabJson = files.get('vocab.json');
  const merges = files.get('merges.txt');
  if (!vocab && vocabJson && merges) {
    const built = byteLevelBpeFromVocabMerges(
      json('vocab.json', vocabJson),
      new TextDecoder().decode(merges),
      config,
    );
    return typeof config.name_or_path === 'string'
      ? built
      : { ...built, tokenizerConfig: { ...built.tokenizerConfig, name_or_path: opts.name } };
  }
  const spm = SENTENCEPIECE_FILES.find((f) => files.has(f));
  if (!vocab && spm) {
    throw new TokenizerFileError(
      `${opts.name} has its tokenizer only as a SentencePiece model (${spm}), which the studio ` +
        `cannot read: it needs tokenizer.json. In Python, ` +
        `AutoTokenizer.from_pretrained("${opts.name}").save_pretrained("tokenizer-folder") writes ` +
        `one (with tokenizer_config.json); open that folder's files here (with the checkpoint's ` +
        `config.json and model.safetensors when you load the model).`,
    );
  }
  if (!vocab) return null;
  const lower =
    typeof config.do_lower_case === 'boolean'
      ? config.do_lower_case
      : !/cased/i.test(opts.name) || /uncased/i.test(opts.name);
  const maxLength =
    typeof config.model_max_length === 'number' && config.model_max_length < 1e12
      ? config.model_max_length
      : opts.modelMaxLength;
  return wordPieceTokenizerFiles(parseVocabTxt(new TextDecoder().decode(vocab)), {
    doLowerCase: lower,
    name: opts.name,
    modelMaxLength: maxLength,
  });
}
