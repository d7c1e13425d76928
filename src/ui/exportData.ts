/**
 * Browser downloads of evaluation data and charts. CSV text comes from `core/io/csvExport`
 * (`toCsv`, which neutralises spreadsheet formulas); these helpers only save files.
 */

/** Saves `data` as a file through a temporary link (the page's download). */
export function downloadBlob(data: Blob, fileName: string): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: some browsers read the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Saves text as a file of the given MIME type. */
export function downloadText(text: string, fileName: string, type: string): void {
  downloadBlob(new Blob([text], { type }), fileName);
}
