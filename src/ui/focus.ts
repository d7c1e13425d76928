/**
 * Where focus goes when something a keyboard user started ends (a file read, an export, a run
 * reopened): a control that went away or was disabled under it leaves focus on the body, and
 * the page moves it on to the result instead, unless the user has since gone on typing.
 */

/** Focus is on the body (or nowhere): the element under it went away or was disabled. */
export function focusLost(): boolean {
  const a = document.activeElement;
  return a === null || a === document.body;
}

/** Focus is in a field the user types in: moving it would take their typing away. */
export function typingSomewhere(): boolean {
  const a = document.activeElement as HTMLElement | null;
  if (!a || a === document.body) return false;
  if (a.isContentEditable) return true;
  if (a instanceof HTMLTextAreaElement || a instanceof HTMLSelectElement) return true;
  return a instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'file'].includes(a.type);
}
