/**
 * The data arguments of a run (transformers' example scripts call them DataTrainingArguments):
 * which files, which columns, how rows are read and cut. Defined once; see `fields.ts`.
 */
import { z } from 'zod';
import { configField, defaultsOf, limitedNumber, schemaOf, type NumberLimits } from './fields';

const VALIDATION_SPLIT: NumberLimits = { min: 0.01, max: 0.9, integer: false };
const MAX_LENGTH: NumberLimits = { min: 8, max: 512, integer: true };
const name = z.string().min(1).nullable();

/** The tasks a run trains ('auto': token classification for a tagged file, else text classification). */
export const TASK_CHOICES = ['auto', 'text-classification', 'token-classification'] as const;
export type TaskChoice = (typeof TASK_CHOICES)[number];

export const DATA_FIELDS = {
  train_file: configField(name, null, 'CSV/TSV file to train on', 'string'),
  validation_file: configField(
    name,
    null,
    'separate validation file (else a split of train_file)',
    'string',
  ),
  validation_split: configField(
    limitedNumber(VALIDATION_SPLIT),
    0.1,
    'fraction of the training file held out for validation (stratified, seeded)',
    'number',
    { limits: VALIDATION_SPLIT },
  ),
  text_column: configField(name, null, 'column holding the text (guessed when left out)', 'string'),
  text_pair_column: configField(
    name,
    null,
    'optional second text column (sentence pairs)',
    'string',
  ),
  label_column: configField(
    name,
    null,
    'column holding the label (guessed when left out)',
    'string',
  ),
  max_length: configField(
    limitedNumber(MAX_LENGTH),
    64,
    'tokens per row after truncation, [CLS] and [SEP] included',
    'number',
    { limits: MAX_LENGTH },
  ),
  header: configField(
    z.boolean().nullable(),
    null,
    'whether row 1 of a CSV/TSV names the columns (detected when left out; --no_header for files without one)',
    'boolean',
  ),
  task: configField(
    z.enum(TASK_CHOICES),
    'auto',
    "the task: 'token-classification' (one tag per word, named entities) for a CoNLL or tagged " +
      "JSON Lines file, 'text-classification' (one label per text or pair) for a table; 'auto' " +
      'detects it from the training file',
    'string',
  ),
  label_names: configField(
    z.array(z.string().min(1)).min(1).nullable(),
    null,
    'token classification: the tag names in id order, for JSON Lines whose ner_tags are ' +
      'integers, e.g. --label_names O B-PER I-PER (else the names the file gives)',
    'string[]',
  ),
  label_all_tokens: configField(
    z.boolean(),
    false,
    "token classification: every sub-token of a word takes the word's tag (B- as I- after the " +
      "first), as run_ner.py's label_all_tokens; else only a word's first sub-token is labelled",
    'boolean',
  ),
  delimiter: configField(
    z
      .string()
      .regex(/^(?:[^]|tab|\\t)$/i, 'one character or "tab"')
      .nullable(),
    null,
    "CSV field separator, e.g. ',' ';' or 'tab' (sniffed when left out)",
    'string',
  ),
};

export type DataArguments = {
  [K in keyof typeof DATA_FIELDS]: z.infer<(typeof DATA_FIELDS)[K]['schema']>;
};
export const dataArgumentsSchema = schemaOf(DATA_FIELDS);
export const defaultDataArguments = (): DataArguments => defaultsOf(DATA_FIELDS);
