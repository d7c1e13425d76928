import { describe, expect, it } from 'vitest';
import { runArgsFromFile } from '../../src/ui/advancedArgs';

describe("an imported arguments file's data and model keys in the page", () => {
  it('sets the columns, max_length and model sizes, and names what the page takes elsewhere', () => {
    const r = runArgsFromFile(
      { max_length: 48, text_column: 'sms', train_file: 'train.csv' },
      { hidden_size: 128, model_name_or_path: 'prajjwal1/bert-tiny' },
      { text: 'text', label: 'label' },
    );
    expect(r.sizes).toEqual({ max_length: 48, hidden_size: 128 });
    expect(r.columns).toEqual({ text: 'sms', label: 'label' });
    expect(r.notices).toEqual([
      expect.stringMatching(/Not taken from the file: model_name_or_path, train_file/),
    ]);
  });

  it('skips values of the wrong type with a notice and keeps the columns it had', () => {
    const current = { text: 'text', label: 'label' };
    const r = runArgsFromFile({ max_length: '64', label_column: 3 }, {}, current);
    expect(r.sizes).toEqual({});
    expect(r.columns).toBe(current);
    expect(r.notices.join('\n')).toMatch(/Skipped max_length "64"/);
    expect(r.notices.join('\n')).toMatch(/Skipped label_column 3/);
  });
});
