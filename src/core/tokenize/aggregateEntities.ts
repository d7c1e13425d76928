/**
 * Entities of a text from its tokens' tag scores, as transformers'
 * `pipeline("token-classification", aggregation_strategy="simple")` returns them
 * (TokenClassificationPipeline.postprocess in transformers 5): special tokens dropped; each token
 * tagged with its most likely label (the first on ties, as numpy's argmax) and that label's score;
 * adjacent tokens grouped while the type stays the same and the tag is not a B-; a group's type is
 * its first tag without the prefix, its score the mean of its tokens' scores, its word the tokens
 * decoded (an unknown token's word is its text), its span from the first token's start to the
 * last token's end; groups of type O left out. Offsets are positions in the JavaScript string.
 */
import type { TextEntity } from '../data/taggedTypes';

/** One token of the text with its label probabilities. */
export interface TokenScores {
  id: number;
  start: number;
  end: number;
  special: boolean;
  probs: Float32Array;
  /** The tokenizer's unknown token: its word is the text it covers (the pipeline's rule). */
  unknown?: boolean;
}

/** numpy's float32 sum of a short row (pairwise: eight accumulators from 8 values on). */
function sumFloat32(x: Float32Array, from: number, n: number): number {
  const f = Math.fround;
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s = f(s + x[from + i]);
    return s;
  }
  const r = Array.from(x.subarray(from, from + 8));
  let i = 8;
  for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = f(r[j] + x[from + i + j]);
  let s = f(f(f(r[0] + r[1]) + f(r[2] + r[3])) + f(f(r[4] + r[5]) + f(r[6] + r[7])));
  for (; i < n; i++) s = f(s + x[from + i]);
  return s;
}

/**
 * Row-wise softmax of float32 logits `[rows, numLabels]` as the pipeline computes its scores:
 * `exp(x - max) / sum`, in float32.
 */
export function softmaxRows(logits: Float32Array, numLabels: number): Float32Array[] {
  const f = Math.fround;
  const rows = logits.length / numLabels;
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const from = r * numLabels;
    let max = -Infinity;
    for (let j = 0; j < numLabels; j++) max = Math.max(max, logits[from + j]);
    const e = new Float32Array(numLabels);
    for (let j = 0; j < numLabels; j++) e[j] = f(Math.exp(f(logits[from + j] - max)));
    const sum = sumFloat32(e, 0, numLabels);
    for (let j = 0; j < numLabels; j++) e[j] = f(e[j] / sum);
    out.push(e);
  }
  return out;
}

interface Tagged {
  token: TokenScores;
  label: string;
  score: number;
}

/** The pipeline's `get_tag`: B-/I- prefix and type; anything else is an I- of its own name. */
function bioTag(label: string): [string, string] {
  if (label.startsWith('B-')) return ['B', label.slice(2)];
  if (label.startsWith('I-')) return ['I', label.slice(2)];
  return ['I', label];
}

function argmax(p: Float32Array): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

function groupOf(text: string, group: Tagged[], decode: (ids: number[]) => string): TextEntity {
  const label = group[0].label;
  const dash = label.indexOf('-');
  let sum = 0;
  for (const t of group) sum += t.score;
  // Tokens decode together; an unknown token stands for its text (joined as the decoder would
  // join a token: after a space).
  const parts: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length > 0) parts.push(decode(run));
    run = [];
  };
  for (const { token } of group) {
    if (token.unknown) {
      flush();
      parts.push(text.slice(token.start, token.end));
    } else {
      run.push(token.id);
    }
  }
  flush();
  return {
    entity_group: dash < 0 ? label : label.slice(dash + 1),
    score: sum / group.length,
    word: parts.join(' '),
    start: group[0].token.start,
    end: group[group.length - 1].token.end,
  };
}

/** `aggregation_strategy="simple"`'s entities (see the module comment). */
export function aggregateSimple(
  text: string,
  tokens: TokenScores[],
  labelNames: string[],
  decode: (ids: number[]) => string,
): TextEntity[] {
  const tagged: Tagged[] = tokens
    .filter((t) => !t.special)
    .map((token) => {
      const best = argmax(token.probs);
      return { token, label: labelNames[best], score: token.probs[best] };
    });
  const groups: TextEntity[] = [];
  let current: Tagged[] = [];
  for (const t of tagged) {
    if (current.length > 0) {
      const [bi, type] = bioTag(t.label);
      const [, lastType] = bioTag(current[current.length - 1].label);
      if (type === lastType && bi !== 'B') {
        current.push(t);
        continue;
      }
      groups.push(groupOf(text, current, decode));
    }
    current = [t];
  }
  if (current.length > 0) groups.push(groupOf(text, current, decode));
  return groups.filter((g) => g.entity_group !== 'O');
}

/**
 * Entities with `start` / `end` counted in code points, as Python's pipeline counts them (the
 * studio's are JavaScript string positions: they differ after a character outside the Basic
 * Multilingual Plane, an emoji). For output that must equal Python's, e.g. `studio predict`.
 */
export function withCodePointOffsets(text: string, entities: TextEntity[]): TextEntity[] {
  const at = (utf16: number): number => {
    let n = 0;
    for (let i = 0; i < utf16 && i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && isHigh(text.charCodeAt(i - 1)))) n++;
    }
    return n;
  };
  return entities.map((e) => ({ ...e, start: at(e.start), end: at(e.end) }));
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
