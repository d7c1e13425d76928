/**
 * Whether python3 has the packages a Python-backed test needs (tests/python-unit). On a
 * developer's machine without them the test is skipped, saying why; under CI (`CI` set to
 * anything but "false" or "0") a missing package fails the test file instead: the parity claims
 * these tests check must run on every landing (.ci/run installs the packages).
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Whether this is a CI run, where a missing Python stack is a failure, not a skip. */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== 'false' && ci !== '0';
}

/** What python3 lacks for `modules` and `commands` (on PATH), or null when it has everything. */
export function pythonMissing(modules: string[], commands: string[] = []): string | null {
  const probe = spawnSync('python3', ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.error?.message ?? probe.stderr ?? '').trim().split('\n').at(-1);
    return `python3 cannot import ${modules.join(', ')} (${why || `exit ${probe.status}`})`;
  }
  for (const cmd of commands) {
    const r = spawnSync(cmd, ['--help'], { encoding: 'utf8' });
    if (r.status !== 0) return `\`${cmd}\` is not on PATH (${r.error?.message ?? r.status})`;
  }
  return null;
}

/**
 * True when python3 can import `modules` (and run `commands`): the caller runs its tests.
 * Otherwise warns why and returns false (the caller skips them), or under CI throws.
 */
export function requirePython(
  test: string,
  modules: string[],
  commands: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  check: typeof pythonMissing = pythonMissing,
): boolean {
  const missing = check(modules, commands);
  if (missing === null) return true;
  const install =
    'python3 -m pip install --retries 0 "torch<2.14" transformers accelerate onnx onnxruntime';
  if (underCi(env)) {
    throw new Error(
      `${test} cannot run under CI: ${missing}. Install the Python stack: ${install}`,
    );
  }
  console.warn(`${test} skipped: ${missing}. To run it: ${install}`);
  return false;
}

/** One check of a Python check script's report. */
export interface PythonCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/**
 * Runs `tests/python/<script>.py MANIFEST REPORT` with `manifest` written as JSON under `tmp`, and
 * returns the report it wrote (a list of checks, with what else the script adds) and its stderr;
 * its stdout is logged under the script's name.
 */
export async function runPythonCheck<R extends { checks: PythonCheck[] }>(
  script: string,
  manifest: object,
  tmp: string,
  timeoutMs = 180_000,
): Promise<{ report: R; stderr: string }> {
  const manifestPath = join(tmp, `${script}-manifest.json`);
  const reportPath = join(tmp, `${script}-report.json`);
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const run = await promisify(execFile)(
    'python3',
    [`tests/python/${script}.py`, manifestPath, reportPath],
    { encoding: 'utf8', timeout: timeoutMs },
  ).catch((e: { stdout?: string; stderr?: string }) => e);
  console.info(`${script}:\n${run.stdout ?? ''}`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as R;
  return { report, stderr: run.stderr ?? '' };
}
