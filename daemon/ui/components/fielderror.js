// A refusal shown under the field it is about. The API's 422 names the field, either as
// a JSON path ("Expected `int` <= 100 - at `$.coldpreview_quality`") or at the start of
// its text ("token: only printable ASCII…", "coldpreview_quality must be between 1 and
// 100"); a refusal that names none of a form's fields is the form's.

import { html, nothing } from '../vendor/lit-html/lit-html.js';

/**
 * The field a refusal is about.
 * @param {string} detail the API's `detail`
 * @param {string[]} names the form's fields, by their names in the API
 * @returns {string|null} one of `names`, or null when it names none of them
 */
export function fieldOf(detail, names) {
  const path = /\$\.([A-Za-z_][A-Za-z0-9_]*)/.exec(detail);
  if (path && names.includes(path[1])) return path[1];
  // The longest first: "machine_name: …" is not about "name".
  const longestFirst = [...names].sort((a, b) => b.length - a.length);
  return longestFirst.find((name) => detail.startsWith(name) && /^[\s:]/.test(detail.slice(name.length))) ?? null;
}

/**
 * The refusal under a field, announced when it appears; the field names it with
 * `aria-describedby=${id}` and `aria-invalid`.
 * @param {string} id
 * @param {string|undefined|null} message
 */
export function fieldError(id, message) {
  return message ? html`<p class="setup-error" id=${id} role="alert">${message}</p>` : nothing;
}

/**
 * What a field's `aria-describedby` lists: its hint, and its refusal while it shows.
 * @param {string|null} hint the hint's id, if it has one
 * @param {string} errorId
 * @param {string|undefined|null} message
 * @returns {string|typeof nothing}
 */
export function describedBy(hint, errorId, message) {
  const ids = [hint, message ? errorId : null].filter(Boolean);
  return ids.length ? ids.join(' ') : nothing;
}
