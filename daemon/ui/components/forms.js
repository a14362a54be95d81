// Dialogs for the organising pages: a form that saves through the API and shows the
// API's reason in place when it refuses (the dialog stays open to fix it), a notice,
// and the library's selection to add (or how to make one).

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { browse } from '../grid/model.js';
import { router } from '../shell.js';
import { modal } from './dialog.js';

/**
 * A form in a dialog; `save` runs on submit and its answer closes the dialog.
 * @template T
 * @param {string} title
 * @param {unknown} fields the form's fields (a lit-html template)
 * @param {string} submit the button's text
 * @param {(form: FormData) => Promise<T>} save throws an ApiError to refuse
 * @returns {Promise<T|null>} null when cancelled
 */
export function formDialog(title, fields, submit, save) {
  return modal(title, (close) => html`
    <form
      class="dialog-form organise-form"
      @submit=${async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const form = /** @type {HTMLFormElement} */ (e.currentTarget);
        const buttons = /** @type {HTMLButtonElement[]} */ ([...form.querySelectorAll('[type="submit"]')]);
        const error = /** @type {HTMLElement} */ (form.querySelector('.form-error'));
        // The button pressed is part of the answer (a form may have more than one).
        const data = new FormData(form, e.submitter);
        for (const button of buttons) button.disabled = true;
        try {
          close(await save(data));
        } catch (failure) {
          render(html`${api.reason(failure)}`, error);
          for (const button of buttons) button.disabled = false;
        }
      }}
    >
      <h2>${title}</h2>
      ${fields}
      <p class="form-error" role="alert"></p>
      <div class="dialog-actions">
        <button type="button" class="button" @click=${() => close(null)}>Cancel</button>
        <button type="submit" class="button is-primary">${submit}</button>
      </div>
    </form>
  `);
}

/**
 * Tell something that needs no answer.
 * @param {string} title
 * @param {string} text
 * @param {{label: string, run: () => void}} [action] a way onwards besides closing
 */
export async function notice(title, text, action) {
  const go = await modal(title, (close) => html`
    <div class="dialog-form">
      <h2>${title}</h2>
      <p class="dialog-text">${text}</p>
      <div class="dialog-actions">
        <button type="button" class="button ${action ? '' : 'is-primary'}" autofocus @click=${() => close(false)}>Close</button>
        ${action ? html`<button type="button" class="button is-primary" @click=${() => close(true)}>${action.label}</button>` : nothing}
      </div>
    </div>
  `);
  if (go) action?.run();
}

/**
 * A form's text value, trimmed.
 * @param {FormData} form
 * @param {string} name
 */
export function text(form, name) {
  return (form.get(name) ?? '').toString().trim();
}

/**
 * The library's selection, to add somewhere; with none, say how to make one.
 * @returns {Promise<string[]|null>} the selected hothashes, null when there are none
 */
export async function librarySelection() {
  const hashes = [...browse.selection];
  if (hashes.length > 0) return hashes;
  await notice(
    'No photos are selected',
    'Select photos in the library first: click a photo, Shift-click another to take the ones between, Ctrl-click (⌘ on a Mac) to add one more. Then come back here and choose “Add the selection”.',
    { label: 'Go to the library', run: () => router.navigate('/') },
  );
  return null;
}
