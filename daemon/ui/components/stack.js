// What can be done to one photo of a stack: make it the cover, take it out, or dissolve
// the stack. The batch bar shows these for a single selected photo, the loupe for the
// photo it shows. Editing sessions only: the caller leaves them out when read-only.

import { html, nothing } from '../vendor/lit-html/lit-html.js';
import * as edits from '../edits.js';
import { confirm } from './dialog.js';

/**
 * @typedef {object} StackedPhoto
 * @property {string} hothash
 * @property {string|null} stack_id
 * @property {boolean} is_stack_cover
 */

/**
 * @param {StackedPhoto} photo
 * @param {() => void} [after] runs once an action is done (or refused)
 */
export function stackActions(photo, after = () => {}) {
  const id = photo.stack_id;
  if (!id) return nothing;
  const run = async (/** @type {Promise<unknown>} */ action) => {
    await action;
    after();
  };
  return html`<div class="stack-actions" role="group" aria-label="Stack">
    ${photo.is_stack_cover
      ? html`<span class="stack-cover-mark" title="The collapsed library shows this photo for its stack">Cover</span>`
      : html`<button
          type="button"
          class="button"
          title="Show this photo for its stack when stacks are collapsed"
          @click=${() => run(edits.setCover(id, photo.hothash))}
        >
          Make cover
        </button>`}
    <button
      type="button"
      class="button"
      title="Take this photo out of its stack; it stays in your library"
      @click=${() => run(edits.removeFromStack(id, photo.hothash))}
    >
      Remove from stack
    </button>
    <button
      type="button"
      class="button"
      title="Dissolve the stack; its photos stay in your library"
      @click=${async () => {
        const yes = await confirm(
          'Unstack these photos?',
          'The stack is dissolved and each of its photos shows on its own again. The photos stay in your library.',
          'Unstack',
        );
        if (yes) run(edits.unstack(id));
      }}
    >
      Unstack
    </button>
  </div>`;
}
