// Modal dialogs on the native <dialog>: it traps focus, closes on Esc and gives focus
// back to where it was.

import { html, render } from '../vendor/lit-html/lit-html.js';

/**
 * Show a modal dialog with a template; resolves with the value given to `close`.
 * @template T
 * @param {string} label the dialog's accessible name
 * @param {(close: (value: T|null) => void) => unknown} content a lit-html template
 * @param {string} [className]
 * @returns {Promise<T|null>} null when dismissed
 */
export function modal(label, content, className = '') {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.className = `dialog ${className}`;
    dialog.setAttribute('aria-label', label);
    let result = /** @type {T|null} */ (null);
    const close = (/** @type {T|null} */ value) => {
      result = value;
      dialog.close();
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    // A click on the backdrop (the dialog itself, outside its content) dismisses it.
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
    render(content(close), dialog);
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Ask for one line of text.
 * @param {string} title
 * @param {string} label the field's label
 * @param {string} submit the button's text
 * @returns {Promise<string|null>} the trimmed text, null when cancelled
 */
export function ask(title, label, submit) {
  return modal(title, (close) => html`
    <form
      class="dialog-form"
      @submit=${(e) => {
        e.preventDefault();
        const value = new FormData(e.target).get('value')?.toString().trim();
        if (value) close(value);
      }}
    >
      <h2>${title}</h2>
      <label class="field">
        <span class="field-label">${label}</span>
        <input name="value" type="text" required maxlength="200" autofocus aria-label=${label} />
      </label>
      <div class="dialog-actions">
        <button type="button" class="button" @click=${() => close(null)}>Cancel</button>
        <button type="submit" class="button is-primary">${submit}</button>
      </div>
    </form>
  `);
}

/**
 * Ask once before a destructive action, saying what goes and what stays.
 * @param {string} title e.g. 'Delete the event “Oslo”?'
 * @param {string} text what happens, and what stays (photos are never deleted by it)
 * @param {string} action the button's text, e.g. 'Delete event'
 * @returns {Promise<boolean>} true when confirmed
 */
export async function confirm(title, text, action) {
  const answer = await modal(title, (close) => html`
    <div class="dialog-form">
      <h2>${title}</h2>
      <p class="dialog-text">${text}</p>
      <div class="dialog-actions">
        <button type="button" class="button" autofocus @click=${() => close(false)}>Cancel</button>
        <button type="button" class="button is-danger" @click=${() => close(true)}>${action}</button>
      </div>
    </div>
  `);
  return answer === true;
}
