/**
 * tokenizer_config.json as an exported folder writes it: the tokenizer's own config with
 * `model_max_length` set to the max_length the model was trained with (never above its
 * `max_position_embeddings`), so `studio predict`, the page's Try it and Python's `pipeline(...,
 * truncation=True)` all cut a long text where training did. A `name_or_path` that is a local
 * path is left out: it does not belong in a folder people share.
 *
 * A config that names no `tokenizer_class` (Google's original BERT files, the bundled
 * bert-base-uncased among them, files made with the tokenizers library) gets the class of its
 * tokenizer.json ({@link tokenizerClassOf}). transformers.js reads the class from
 * tokenizer_config.json alone, and its fallback, PreTrainedTokenizer, returns no
 * `token_type_ids`, so the second text of a WordPiece pair would be read as segment 0; Python's
 * AutoTokenizer, without a class, takes the one of config.json's model_type, which need not
 * match the tokenizer (a DistilBERT trained from scratch on a byte-level BPE tokenizer).
 */

/** The parts of tokenizer.json that say which tokenizer it is. */
interface TokenizerJsonShape {
  model?: { type?: unknown; merges?: unknown; vocab?: unknown; max_input_chars_per_word?: unknown };
  pre_tokenizer?: { type?: unknown; pretokenizers?: { type?: unknown }[] } | null;
  post_processor?: { type?: unknown; single?: unknown } | null;
}

/** Whether `part` is a `type` or a Sequence holding one. */
function hasStep(part: TokenizerJsonShape['pre_tokenizer'], type: string): boolean {
  if (!part) return false;
  return part.type === type || (part.pretokenizers ?? []).some((p) => p.type === type);
}

/**
 * tokenizer.json's model type; older files (the bundled bert-base-uncased's) leave `type` out,
 * and the tokenizers library reads it from the fields: merges (BPE), a list vocabulary
 * (Unigram), `max_input_chars_per_word` (WordPiece).
 */
function modelType(model: TokenizerJsonShape['model']): unknown {
  if (!model) return undefined;
  if (model.type !== undefined) return model.type;
  if (model.merges !== undefined) return 'BPE';
  if (Array.isArray(model.vocab)) return 'Unigram';
  if (model.max_input_chars_per_word !== undefined) return 'WordPiece';
  return undefined;
}

/** The special tokens a TemplateProcessing's single-sequence template adds. */
function templateTokens(post: TokenizerJsonShape['post_processor']): string[] {
  if (!post || post.type !== 'TemplateProcessing' || !Array.isArray(post.single)) return [];
  return (post.single as { SpecialToken?: { id?: unknown } }[])
    .map((piece) => piece.SpecialToken?.id)
    .filter((id): id is string => typeof id === 'string');
}

/**
 * The `tokenizer_class` transformers writes for a tokenizer.json of this kind, or null where
 * none fits better than the file itself (AutoTokenizer then builds it as it stands):
 * WordPiece -> BertTokenizer (token_type_ids as BERT gives them); byte-level BPE with RoBERTa's
 * `<s> ... </s>` -> RobertaTokenizer, with no specials added -> GPT2Tokenizer, with other
 * specials (ModernBERT's [CLS] ... [SEP]) -> PreTrainedTokenizerFast; Unigram with
 * `<s> ... </s>` -> XLMRobertaTokenizer, with [CLS] ... [SEP] -> DebertaV2Tokenizer.
 */
export function tokenizerClassOf(tokenizerJson: unknown): string | null {
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null) return null;
  const t = tokenizerJson as TokenizerJsonShape;
  const post = t.post_processor ?? null;
  const specials = templateTokens(post);
  const robertaSpecials = post?.type === 'RobertaProcessing' || specials[0] === '<s>';
  switch (modelType(t.model)) {
    case 'WordPiece':
      return 'BertTokenizer';
    case 'BPE':
      if (!hasStep(t.pre_tokenizer, 'ByteLevel')) return null;
      if (robertaSpecials) return 'RobertaTokenizer';
      if (!post || (post.type === 'ByteLevel' && specials.length === 0)) return 'GPT2Tokenizer';
      return 'PreTrainedTokenizerFast';
    case 'Unigram':
      if (robertaSpecials) return 'XLMRobertaTokenizer';
      if (specials[0] === '[CLS]') return 'DebertaV2Tokenizer';
      return null;
    default:
      return null;
  }
}

/** A name_or_path that is a file-system path (absolute, home- or dot-relative, Windows). */
function isLocalPath(name: string): boolean {
  return /^([/~.]|[A-Za-z]:[\\/])/.test(name) || name.includes('\\');
}

/** `config` (a tokenizer_config.json object) for an exported folder; see the module comment. */
export function exportedTokenizerConfig(
  config: object,
  tokenizerJson: unknown,
  maxLength: number,
  maxPositionEmbeddings: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...(config as Record<string, unknown>),
    model_max_length: Math.min(maxLength, maxPositionEmbeddings),
  };
  if (out.tokenizer_class == null) {
    const cls = tokenizerClassOf(tokenizerJson);
    if (cls !== null) out.tokenizer_class = cls;
  }
  if (typeof out.name_or_path === 'string' && isLocalPath(out.name_or_path)) {
    delete out.name_or_path;
  }
  return out;
}

/** {@link exportedTokenizerConfig} as the file's text (indent 2, as save_pretrained writes). */
export function exportedTokenizerConfigJson(
  config: object,
  tokenizerJson: unknown,
  maxLength: number,
  maxPositionEmbeddings: number,
): string {
  const out = exportedTokenizerConfig(config, tokenizerJson, maxLength, maxPositionEmbeddings);
  return `${JSON.stringify(out, null, 2)}\n`;
}
