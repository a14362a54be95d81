// A stack, expanded: its photos in a dialog, each opening the loupe (which then steps
// through the stack).

import { html } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { plural, wallTime } from '../format.js';
import { toast } from '../store.js';
import { modal } from './dialog.js';

/**
 * @param {import('../grid/pages.js').Item} cover the stack's tile
 * @param {(hothash: string, hashes: string[]) => void} onOpen
 */
export async function showStack(cover, onOpen) {
  if (!cover.stack_id) return;
  let stack;
  try {
    stack = await api.get(`/api/stacks/${cover.stack_id}`);
  } catch (error) {
    if (error instanceof api.ApiError && error.status !== 401) toast(`The stack could not be opened: ${error.detail}`, { kind: 'error' });
    return;
  }
  /** @type {import('../grid/pages.js').Item[]} */
  const photos = stack.photos;
  const hashes = photos.map((p) => p.hothash);
  const chosen = await modal(
    'Stack',
    (close) => html`
      <div class="dialog-head">
        <h2>Stack · ${plural(photos.length, 'photo')}</h2>
        <button type="button" class="icon-button" aria-label="Close" @click=${() => close(null)}>×</button>
      </div>
      <ul class="stack-photos">
        ${photos.map(
          (photo) => html`<li>
            <button
              type="button"
              class="stack-photo ${photo.hothash === stack.cover_hothash ? 'is-cover' : ''}"
              data-rotation=${photo.rotation ? String(photo.rotation) : ''}
              aria-label=${`Open photo taken ${wallTime(photo.taken_at, photo.taken_at_accuracy)}${photo.hothash === stack.cover_hothash ? ' (cover)' : ''}`}
              @click=${() => close(photo.hothash)}
            >
              <img alt="" src=${`data:image/jpeg;base64,${photo.hotpreview_b64}`} />
            </button>
          </li>`,
        )}
      </ul>
    `,
    'is-wide',
  );
  if (chosen) onOpen(chosen, hashes);
}
