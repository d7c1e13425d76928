/**
 * `studio predict`: labels and probabilities for the rows of a CSV/TSV file, or raw logits for a
 * JSON file of pre-tokenized batches (`input_ids`, `token_type_ids`, `attention_mask` as lists of
 * lists), so any checkpoint can be checked against a reference computed elsewhere. Texts are cut
 * where the model's tokenizer_config.json says (model_max_length: the max_length it was trained
 * with), as transformers' `pipeline(..., truncation=True)` cuts them; each row says whether its
 * text was cut (`truncated`), and a notice on standard error counts them.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { StudioSession } from '../core/session';
import { StudioSession as Session } from '../core/session';
import { formatHelp, parseFlags, type FlagSpec } from '../core/train/flags';
import { readBytes } from './files';
import { predictTaggedLines } from './predictTagged';
import { StudioError } from '../core/run/errors';

interface Deps {
  loadModelDir(session: StudioSession, dir: string): Promise<void>;
  useBackend(name: string): Promise<void>;
}

const specs: Record<string, FlagSpec> = {
  model_dir: {
    type: 'string',
    help: 'folder with config.json, model.safetensors and tokenizer files',
  },
  input_file: {
    type: 'string',
    help:
      'CSV/TSV rows to classify, or JSON of pre-tokenized batches; for a token classifier a ' +
      'CoNLL/tagged JSON Lines file (tokens, tags and entities per sentence) or plain text (one ' +
      'text per line: its entities)',
  },
  output_file: { type: 'string', help: 'write JSON Lines here instead of standard output' },
  text_column: { type: 'string', help: 'column holding the text (guessed when left out)' },
  backend: { type: 'string', help: 'wasm or cpu', default: 'wasm' },
};

/** A pre-tokenized --input_file (.json) that is not the shape predict reads. */
function pretokenizedError(message: string): StudioError {
  return new StudioError('data', message, {
    remedy:
      'Give a .json object whose input_ids (and optional token_type_ids, attention_mask) are lists of equally long lists of integer ids, or a text table instead.',
  });
}

/** Reads the pre-tokenized form and checks it is rectangular integer data. */
export function parsePretokenized(json: unknown): {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
} {
  const o = json as Record<string, unknown>;
  const grid = (key: string, required: boolean): number[][] | null => {
    const v = o?.[key];
    if (v === undefined && !required) return null;
    if (!Array.isArray(v) || v.length === 0 || !v.every((r) => Array.isArray(r))) {
      throw pretokenizedError(`"${key}" must be a non-empty list of lists of integers.`);
    }
    const width = (v[0] as unknown[]).length;
    v.forEach((r: unknown[], i) => {
      if (r.length !== width)
        throw pretokenizedError(`"${key}" row ${i} has ${r.length} ids, row 0 has ${width}.`);
      if (!r.every((x) => Number.isInteger(x)))
        throw pretokenizedError(`"${key}" row ${i} holds a non-integer.`);
    });
    return v as number[][];
  };
  const ids = grid('input_ids', true) as number[][];
  const zeros = ids.map((r) => r.map(() => 0));
  const ones = ids.map((r) => r.map(() => 1));
  return {
    input_ids: ids,
    token_type_ids: grid('token_type_ids', false) ?? zeros,
    attention_mask: grid('attention_mask', false) ?? ones,
  };
}

export async function predictCommand(argv: string[], deps: Deps): Promise<void> {
  const { values, rest } = parseFlags(argv, specs);
  if (rest.includes('--help'))
    return void process.stdout.write(`${formatHelp(specs, 'studio predict')}\n`);
  const v = values as Record<string, string | undefined>;
  if (!v.model_dir || !v.input_file)
    throw new StudioError('arguments', '--model_dir and --input_file are required.', {
      remedy:
        'Give --model_dir (a folder written by studio train) and --input_file (a text table, or a .json of input_ids).',
    });
  await deps.useBackend(v.backend ?? String(specs.backend.default));
  const session = new Session();
  await deps.loadModelDir(session, v.model_dir);
  const model = session.model;
  if (!model) throw new StudioError('model-files', `No model was loaded from ${v.model_dir}.`);
  const bytes = await readBytes(v.input_file, '--input_file');
  let lines: string[];
  if (model.head === 'token') {
    // A token classifier: tags and entities per sentence (tagged file) or entities per line.
    lines = await predictTaggedLines(session, basename(v.input_file), bytes);
  } else if (v.input_file.toLowerCase().endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw pretokenizedError(`${v.input_file} is not valid JSON.`);
    }
    const b = parsePretokenized(parsed);
    const shape: [number, number] = [b.input_ids.length, b.input_ids[0].length];
    const logits = tf.tidy(
      () =>
        model.forward(
          {
            input_ids: tf.tensor2d(b.input_ids.flat(), shape, 'int32'),
            token_type_ids: tf.tensor2d(b.token_type_ids.flat(), shape, 'int32'),
            attention_mask: tf.tensor2d(b.attention_mask.flat(), shape, 'int32'),
          },
          { training: false },
        ).logits,
    );
    const data = Array.from(await logits.data());
    const width = logits.shape[1];
    logits.dispose();
    const rows = b.input_ids.map((_, i) => data.slice(i * width, (i + 1) * width));
    lines = [JSON.stringify({ logits: rows })];
  } else {
    // Texts alone are enough to predict on: one column is a table here.
    const table = await session.loadTable(basename(v.input_file), bytes, { minColumns: 1 });
    const col = v.text_column ?? table.guess.text;
    const ci = table.columns.indexOf(col);
    if (ci < 0)
      throw new StudioError(
        'bad-column',
        `There is no column "${col}"; columns: ${table.columns.join(', ')}.`,
        { remedy: `Give --text_column one of: ${table.columns.join(', ')}.` },
      );
    const texts = (session.table?.rows ?? []).map((r) => r[ci] ?? '');
    lines = [];
    let cut = 0;
    for (let i = 0; i < texts.length; i += 64) {
      const preds = await session.predict(texts.slice(i, i + 64));
      preds.forEach((p, j) => {
        if (p.truncation) cut++;
        lines.push(
          JSON.stringify({
            text: texts[i + j],
            label: p.label,
            score: Math.max(...p.probs),
            probs: Object.fromEntries(p.labels.map((l, k) => [l, p.probs[k]])),
            truncated: p.truncation !== null,
          }),
        );
      });
    }
    if (cut > 0) {
      process.stderr.write(
        `notice: ${cut} of ${texts.length} texts were cut to the model's ` +
          `${session.exportMaxLength()} tokens (model_max_length; "truncated": true)\n`,
      );
    }
  }
  const text = `${lines.join('\n')}\n`;
  if (v.output_file) await writeFile(v.output_file, text);
  else process.stdout.write(text);
}
