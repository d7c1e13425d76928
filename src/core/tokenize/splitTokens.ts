/**
 * A text's tokens as the Rust tokenizers (0.23) produce them under `truncation=True`: split by
 * split (added tokens, then the pre-tokenizer's words), stopping after the split that brings the
 * count to `max_length` ("truncation early exit"; the rest is cut away anyway). The count matters
 * for pairs: longest-first truncation compares the two texts' lengths as they stand then, so a
 * text longer than `max_length` counts as the tokens of its first splits, not all of them.
 *
 * The transformers.js path walks the tokenizer's own stages (`encode_text` of
 * `@huggingface/tokenizers`, with the words grouped); the fast encoders stop in their word loops.
 */

/** The stages of an `@huggingface/tokenizers` Tokenizer that `encode_text` runs. */
interface TokenizerStages {
  splitter_unnormalized: { split(text: string): string[] };
  splitter_normalized: { split(text: string): string[] };
  added_tokens_map: Map<string, { lstrip?: boolean; rstrip?: boolean }>;
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: ((text: string, opts: { section_index: number }) => string[]) | null;
  model: (words: string[]) => string[];
  encode_text(text: string): string[];
}

/** Strips around added tokens with lstrip / rstrip, as `encode_text` does. */
function stripAround(parts: string[], added: TokenizerStages['added_tokens_map']): void {
  parts.forEach((part, i) => {
    const token = added.get(part);
    if (!token) return;
    if (token.lstrip && i > 0) parts[i - 1] = parts[i - 1].trimEnd();
    if (token.rstrip && i < parts.length - 1) parts[i + 1] = parts[i + 1].trimStart();
  });
}

/**
 * `core.encode_text(text)` (tokens, no special tokens), stopped after the split at which the
 * count reaches `limit` (all of them without a limit).
 */
export function splitTokens(core: unknown, text: string, limit?: number): string[] {
  const t = core as TokenizerStages;
  // A pipeline step this walk does not repeat: the whole text, as transformers.js encodes it.
  if (limit === undefined || t.do_lowercase_and_remove_accent) return t.encode_text(text);
  const out: string[] = [];
  const full = () => out.length >= limit;
  const sections = t.splitter_unnormalized.split(text);
  stripAround(sections, t.added_tokens_map);
  for (let s = 0; s < sections.length && !full(); s++) {
    let section = sections[s];
    if (section.length === 0) continue;
    if (t.added_tokens_map.has(section)) {
      out.push(section);
      continue;
    }
    if (t.remove_space === true) section = section.trim().split(/\s+/).join(' ');
    if (t.normalizer !== null) section = t.normalizer(section);
    if (section.length === 0) continue;
    const parts = t.splitter_normalized.split(section);
    stripAround(parts, t.added_tokens_map);
    for (let p = 0; p < parts.length && !full(); p++) {
      const part = parts[p];
      if (part.length === 0) continue;
      if (t.added_tokens_map.has(part)) {
        out.push(part);
        continue;
      }
      const words = t.pre_tokenizer !== null ? t.pre_tokenizer(part, { section_index: s }) : [part];
      for (let w = 0; w < words.length && !full(); w++) {
        for (const token of t.model([words[w]])) out.push(token);
      }
    }
  }
  return out;
}

/**
 * A pre-split word's tokens when a byte-level pre-tokenizer must add a prefix space
 * (`add_prefix_space=True`): the Rust pre-tokenizer sees each part between added tokens on its
 * own, so each such part gets the space, and an added token none.
 */
export function prefixedWordTokens(core: unknown, word: string): string[] {
  const t = core as TokenizerStages;
  const out: string[] = [];
  for (const part of t.splitter_unnormalized.split(word)) {
    if (part.length === 0) continue;
    if (t.added_tokens_map.has(part)) out.push(part);
    else
      for (const token of splitTokens(core, part.startsWith(' ') ? part : ` ${part}`))
        out.push(token);
  }
  return out;
}
