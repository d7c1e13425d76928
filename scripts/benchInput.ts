/**
 * Command-line input of the data benchmarks: `--name value` flags and a CSV path (default: the
 * IMDB 50k reviews file in ../shared/data/imdb/, which is not in the repository: pass a path on a
 * machine without it). Exits with a message when the file is not there.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..');

export function benchInput(script: string): {
  flag: (name: string) => string | undefined;
  file: string;
} {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const file = positional[0] ?? resolve(repoRoot, '../shared/data/imdb/imdb_50k.csv');
  if (!existsSync(file)) {
    console.error(
      `${script}: ${file} is not here. Pass a CSV path (node --import tsx scripts/${script}.ts ` +
        'data.csv); the default is the IMDB 50k reviews file in ../shared/data/imdb/.',
    );
    process.exit(2);
  }
  return { flag, file };
}
