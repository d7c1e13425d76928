/**
 * tokenizer_config.json as an exported folder writes it: the tokenizer's own config with
 * `model_max_length` set to the max_length the model was trained with (never above its
 * `max_position_embeddings`), so `studio predict`, the page's Try it and Python's `pipeline(...,
 * truncation=True)` all cut a long text where training did. A `name_or_path` that is a local
 * path is left out: it does not belong in a folder people share.
 *
 * A config that names no `tokenizer_class` (Google's original BERT files, the bundled
 * bert-base-uncased among them) gets `BertTokenizer`, the class transformers (Python) picks from
 * config.json's model_type, `bert`, which every studio model has. transformers.js reads the class
 * from tokenizer_config.json alone, and its fallback, PreTrainedTokenizer, returns no
 * `token_type_ids`, so the second text of a pair would be read as segment 0.
 */

/** A name_or_path that is a file-system path (absolute, home- or dot-relative, Windows). */
function isLocalPath(name: string): boolean {
  return /^([/~.]|[A-Za-z]:[\\/])/.test(name) || name.includes('\\');
}

/** `config` (a tokenizer_config.json object) for an exported folder; see the module comment. */
export function exportedTokenizerConfig(
  config: object,
  maxLength: number,
  maxPositionEmbeddings: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...(config as Record<string, unknown>),
    model_max_length: Math.min(maxLength, maxPositionEmbeddings),
  };
  if (out.tokenizer_class == null) out.tokenizer_class = 'BertTokenizer';
  if (typeof out.name_or_path === 'string' && isLocalPath(out.name_or_path)) {
    delete out.name_or_path;
  }
  return out;
}

/** {@link exportedTokenizerConfig} as the file's text (indent 2, as save_pretrained writes). */
export function exportedTokenizerConfigJson(
  config: object,
  maxLength: number,
  maxPositionEmbeddings: number,
): string {
  return `${JSON.stringify(exportedTokenizerConfig(config, maxLength, maxPositionEmbeddings), null, 2)}\n`;
}
