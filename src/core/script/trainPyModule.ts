/** The text of trainPy.generated.ts for a given train.py (see scripts/build-train-script.ts). */
export function trainPyModuleText(source: string): string {
  return (
    '// Generated from train.py by scripts/build-train-script.ts: edit train.py, then run it.\n' +
    `export const TRAIN_PY: string = ${JSON.stringify(source)};\n`
  );
}
