import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/**
 * Imports go one way: ui -> worker (client, protocol) -> core, and inside core from the top
 * down: run -> script -> session -> config -> train -> io -> model, tokenize, data -> kernels,
 * util.
 * src/ui reaches core only through src/worker/client.ts, which re-exports the pure helpers the
 * page runs itself. Each folder has one rule entry naming every folder it must not import from
 * (`unless`: one module of it is allowed; `typesOnly`: `import type` is allowed).
 */
const UP = 'imports go ui -> worker client -> core';
const DOWN =
  'inside core, imports go run -> script -> session -> config -> train -> io -> model, tokenize, data';
const up = (...folders) => folders.map((folder) => ({ folder, path: folder, note: UP }));
const down = (...folders) =>
  folders.map((f) => {
    const spec = typeof f === 'string' ? { folder: f } : f;
    return { path: `core/${spec.folder}`, note: DOWN, ...spec };
  });
const layer = (name, files, banned) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: banned.map(
          ({ folder, path, note, unless, typesOnly = false, from = '(\\.\\./)+' }) => ({
            regex: `^${from}${folder}${unless ? `(?!/${unless}$)` : ''}(/|$)`,
            caseSensitive: true,
            allowTypeImports: typesOnly,
            message:
              `src/${name} must not import ${typesOnly ? 'values ' : ''}from src/${path}` +
              `${unless ? ` (apart from ${unless})` : ''}: ${note}.`,
          }),
        ),
      },
    ],
  },
});
const coreFolder = (folder, banned) =>
  layer(
    `core/${folder}`,
    [`src/core/${folder}/**/*.{ts,tsx}`],
    [...up('ui', 'worker', 'cli'), ...down(...banned)],
  );
const BELOW_IO = ['io', 'train', 'config', 'session', 'script', 'run'];

const layering = [
  layer(
    'ui',
    ['src/ui/**/*.{ts,tsx}'],
    [
      {
        folder: 'core',
        path: 'core',
        note: `${UP} (import core's helpers from src/worker/client.ts)`,
      },
      ...up('cli'),
    ],
  ),
  layer('worker', ['src/worker/**/*.{ts,tsx}'], up('ui', 'cli')),
  layer('cli', ['src/cli/**/*.{ts,tsx}'], up('ui', 'worker')),
  // Modules at the top of core (session.ts, backend.ts, buildFlags.ts) import core with "./".
  layer(
    'core',
    ['src/core/*.{ts,tsx}'],
    [...up('ui', 'worker', 'cli'), ...down({ folder: 'run', from: '\\./' })],
  ),
  coreFolder('util', BELOW_IO),
  coreFolder('kernels', BELOW_IO),
  coreFolder('data', BELOW_IO),
  coreFolder('tokenize', BELOW_IO),
  // The model's loss head is the one thing it takes from train.
  coreFolder('model', [
    'io',
    { folder: 'train', unless: 'losses' },
    'config',
    'session',
    'script',
    'run',
  ]),
  // io serialises what train decides: it may name train's types, never call into it.
  coreFolder('io', [{ folder: 'train', typesOnly: true }, 'config', 'session', 'script', 'run']),
  coreFolder('train', ['config', 'session', 'script', 'run']),
  coreFolder('config', ['session', 'script', 'run']),
  coreFolder('session', ['script', 'run']),
  // The script bundle reads a prepared session; the run service may build one.
  coreFolder('script', ['run']),
  coreFolder('run', []),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'public/**', 'out/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  ...layering,
);
