/**
 * tests/unit/helpers/python.ts, which every Python-backed test (tests/python-unit) asks first:
 * without the packages it skips saying why on a developer's machine, and throws under CI.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { pythonMissing, requirePython, underCi } from './helpers/python';

/** (A machine without python3 at all has nothing to probe.) */
const hasPython3 = spawnSync('python3', ['--version']).status === 0;
const missing = () => 'python3 cannot import torch (No module named torch)';
const present = () => null;

describe('the Python-backed tests’ gate', () => {
  it('reads CI as CI services set it', () => {
    expect(underCi({ CI: 'true' })).toBe(true);
    expect(underCi({ CI: '1' })).toBe(true);
    expect(underCi({})).toBe(false);
    expect(underCi({ CI: 'false' })).toBe(false);
    expect(underCi({ CI: '0' })).toBe(false);
  });

  it('fails under CI when a package is missing, skips saying why elsewhere', () => {
    expect(() => requirePython('interop', ['torch'], [], { CI: 'true' }, missing)).toThrow(
      /interop cannot run under CI: python3 cannot import torch.*pip install --retries 0/,
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(requirePython('interop', ['torch'], [], {}, missing)).toBe(false);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/^interop skipped: python3 cannot import torch/),
      );
    } finally {
      warn.mockRestore();
    }
    expect(requirePython('interop', ['torch'], [], { CI: 'true' }, present)).toBe(true);
  });

  it.skipIf(!hasPython3)('finds a module python3 lacks, and a command not on PATH', () => {
    expect(pythonMissing(['no_such_module_for_the_studio'])).toMatch(
      /cannot import no_such_module_for_the_studio/,
    );
    expect(pythonMissing(['json'], ['no-such-command-for-the-studio'])).toMatch(/not on PATH/);
    expect(pythonMissing(['json'])).toBeNull();
  });
});
