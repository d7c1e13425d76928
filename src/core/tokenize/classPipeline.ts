/**
 * The tokenizer pipeline transformers 5's `AutoTokenizer` actually runs for classes that build
 * their own (`XLMRobertaTokenizer`, `DebertaV2Tokenizer`): such a class keeps tokenizer.json's
 * vocabulary and special tokens but sets the normalizer, pre-tokenizer, decoder and post-processor
 * in its `__init__` from tokenizer_config.json's options, whatever tokenizer.json says (a
 * SentencePiece `Precompiled` charsmap in the file is kept by XLM-R's class). tokenizer.json is
 * rewritten to that pipeline here, so transformers.js gives Python's ids.
 *
 * One more difference is closed for every class: a `Metaspace` pre-tokenizer with `split: true`
 * (the Rust default) splits the text into words at each `▁`, where transformers.js keeps it
 * whole; a `Split` after it makes the same words (the Unigram model then sees the same pieces,
 * and truncation counts the same splits).
 */

type Json = Record<string, unknown>;

const METASPACE = '\u2581';

function metaspace(prependScheme: 'always' | 'never' | 'first'): Json {
  return { type: 'Metaspace', replacement: METASPACE, prepend_scheme: prependScheme, split: true };
}

function template(cls: string, sep: string, pair: Json[], ids: Record<string, number>): Json {
  const special = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    type: 'TemplateProcessing',
    single: [special(cls, 0), seq('A', 0), special(sep, 0)],
    pair: pair.map((p) =>
      'special' in p
        ? special(p.special as string, p.type as number)
        : seq(p.seq as 'A' | 'B', p.type as number),
    ),
    special_tokens: Object.fromEntries(
      Object.entries(ids).map(([t, id]) => [t, { id: t, ids: [id], tokens: [t] }]),
    ),
  };
}

/** Words at each `▁`, each `▁` starting one (Rust's `MergedWithNext` split of `Metaspace`). */
const SPLIT_AT_METASPACE: Json = {
  type: 'Split',
  pattern: { Regex: `${METASPACE}[^${METASPACE}]*|[^${METASPACE}]+` },
  behavior: 'MergedWithNext',
  invert: true,
};

/** `pre` with each splitting `Metaspace` followed by {@link SPLIT_AT_METASPACE}. */
function splitMetaspace(pre: unknown): unknown {
  if (!pre || typeof pre !== 'object') return pre;
  const p = pre as Json;
  if (p.type === 'Metaspace' && p.split !== false) {
    return { type: 'Sequence', pretokenizers: [p, SPLIT_AT_METASPACE] };
  }
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers)) {
    return {
      ...p,
      pretokenizers: (p.pretokenizers as unknown[]).flatMap((x) => {
        const y = splitMetaspace(x) as Json;
        return y !== x && y.type === 'Sequence' ? (y.pretokenizers as unknown[]) : [y];
      }),
    };
  }
  return pre;
}

/** The token string of a tokenizer_config.json entry (a string or an AddedToken object). */
function tokenOf(config: Json, key: string, fallback: string): string {
  const v = config[key];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') {
    return (v as Json).content as string;
  }
  return fallback;
}

function idOf(tokenizerJson: Json, token: string): number {
  for (const t of (tokenizerJson.added_tokens as { id: number; content: string }[]) ?? []) {
    if (t.content === token) return t.id;
  }
  const vocab = (tokenizerJson.model as Json | undefined)?.vocab;
  if (Array.isArray(vocab)) {
    const i = vocab.findIndex((v) => Array.isArray(v) && v[0] === token);
    if (i >= 0) return i;
  }
  return 0;
}

/** A `Precompiled` normalizer of tokenizer.json (alone or in a Sequence), or null. */
function precompiled(normalizer: unknown): Json | null {
  if (!normalizer || typeof normalizer !== 'object') return null;
  const n = normalizer as Json;
  if (n.type === 'Precompiled') return n;
  if (n.type === 'Sequence' && Array.isArray(n.normalizers)) {
    return (n.normalizers as Json[]).find((x) => x?.type === 'Precompiled') ?? null;
  }
  return null;
}

/** `XLMRobertaTokenizer.__init__` (transformers 5.18). */
function xlmRoberta(j: Json, config: Json): Json {
  const prepend = config.add_prefix_space === false ? 'never' : 'always';
  const bos = tokenOf(config, 'bos_token', '<s>');
  const eos = tokenOf(config, 'eos_token', '</s>');
  return {
    ...j,
    normalizer: precompiled(j.normalizer),
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace(prepend)],
    },
    decoder: { ...metaspace(prepend) },
    post_processor: template(
      bos,
      eos,
      [
        { special: bos, type: 0 },
        { seq: 'A', type: 0 },
        { special: eos, type: 0 },
        { special: eos, type: 0 },
        { seq: 'B', type: 0 },
        { special: eos, type: 0 },
      ],
      { [bos]: idOf(j, bos), [eos]: idOf(j, eos) },
    ),
  };
}

/** `DebertaV2Tokenizer.__init__` (transformers 5.18). */
function debertaV2(j: Json, config: Json): Json {
  const prepend = config.add_prefix_space === false ? 'first' : 'always';
  const cls = tokenOf(config, 'cls_token', '[CLS]');
  const sep = tokenOf(config, 'sep_token', '[SEP]');
  const normalizers: Json[] = [];
  if (config.do_lower_case === true) normalizers.push({ type: 'Lowercase' });
  normalizers.push(
    { type: 'Replace', pattern: { Regex: '\\s{2,}|[\\n\\r\\t]' }, content: ' ' },
    { type: 'NFC' },
    { type: 'Strip', strip_left: false, strip_right: true },
  );
  const pretokenizers: Json[] = [];
  if (config.split_by_punct === true) {
    pretokenizers.push({ type: 'Punctuation', behavior: 'Isolated' });
  }
  pretokenizers.push(metaspace(prepend));
  return {
    ...j,
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: { type: 'Sequence', pretokenizers },
    decoder: { ...metaspace(prepend) },
    post_processor: template(
      cls,
      sep,
      [
        { special: cls, type: 0 },
        { seq: 'A', type: 0 },
        { special: sep, type: 0 },
        { seq: 'B', type: 1 },
        { special: sep, type: 1 },
      ],
      { [cls]: idOf(j, cls), [sep]: idOf(j, sep) },
    ),
  };
}

const CLASS_PIPELINES: Record<string, (j: Json, config: Json) => Json> = {
  XLMRobertaTokenizer: xlmRoberta,
  DebertaV2Tokenizer: debertaV2,
};

/**
 * tokenizer.json as `AutoTokenizer` runs it for `tokenizer_config.json`'s class (see the module
 * comment); the same object for the classes that take the file's pipeline as it is. This is the
 * file an export writes, so transformers.js runs what Python does.
 */
export function pipelineOfClass(tokenizerJson: object, tokenizerConfig: object): object {
  const config = tokenizerConfig as Json;
  const name =
    typeof config.tokenizer_class === 'string' ? config.tokenizer_class.replace(/Fast$/, '') : '';
  const rebuild = Object.hasOwn(CLASS_PIPELINES, name) ? CLASS_PIPELINES[name] : undefined;
  const model = (tokenizerJson as Json).model as Json | undefined;
  // Both classes are Unigram (SentencePiece) tokenizers; another model is left as the file has it.
  return rebuild && model?.type === 'Unigram'
    ? rebuild(tokenizerJson as Json, config)
    : tokenizerJson;
}

/**
 * tokenizer.json for transformers.js to build from: each splitting `Metaspace` followed by a
 * `Split` into its words (see the module comment). Not for files: the Rust tokenizers read the
 * `Split` differently.
 */
export function withMetaspaceWords(tokenizerJson: object): object {
  const pre = (tokenizerJson as Json).pre_tokenizer;
  const split = splitMetaspace(pre);
  return split === pre ? tokenizerJson : { ...tokenizerJson, pre_tokenizer: split };
}
