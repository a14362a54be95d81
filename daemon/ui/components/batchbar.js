// The bar that acts on the selection: rating, tags, event, category, photographer,
// collection, stack, trash or restore; for a single photo of a stack, that stack's
// actions. On a read-only session it only counts and clears.

import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { count } from '../format.js';
import { lookups, need } from '../lookups.js';
import * as edits from '../edits.js';
import { normaliseTag } from '../filters.js';
import { ask } from './dialog.js';
import { stackActions } from './stack.js';
import { suggest } from './tags.js';

const NONE = '__none__';
const NEW = '__new__';

/**
 * @param {object} props
 * @param {string[]} props.selection the selected hothashes
 * @param {boolean} props.trash the list is the trash
 * @param {boolean} props.readOnly
 * @param {() => void} props.onClear
 * @param {import('./stack.js').StackedPhoto|null} [props.stacked] the one selected photo, when it is in a stack
 */
export function batchBar({ selection, trash, readOnly, onClear, stacked = null }) {
  if (selection.length === 0) return nothing;
  const lists = lookups.get();
  const n = selection.length;
  return html`<section class="batchbar" aria-label="Selection">
    <span class="batch-count" aria-live="polite">${count(n)} selected</span>
    ${readOnly ? nothing : editControls(selection, trash, lists)}
    ${readOnly || trash || !stacked ? nothing : stackActions(stacked)}
    <button type="button" class="icon-button" aria-label="Clear selection" title="Clear selection (Esc)" @click=${onClear}>
      ×
    </button>
  </section>`;
}

/**
 * @param {string[]} selection
 * @param {boolean} trash
 * @param {Record<string, import('../lookups.js').Option[]|undefined>} lists
 */
function editControls(selection, trash, lists) {
  if (trash) {
    return html`<button type="button" class="button is-primary" @click=${() => edits.trash(selection, false)}>
      Restore
    </button>`;
  }
  const tagValue = () => {
    const input = /** @type {HTMLInputElement|null} */ (document.querySelector('.batchbar .tag-input'));
    const tag = input ? normaliseTag(input.value) : '';
    if (input && tag) input.value = '';
    return tag;
  };
  return html`
    <div class="batch-group rating" role="group" aria-label="Rating">
      ${[1, 2, 3, 4, 5].map(
        (r) => html`<button
          type="button"
          class="star-button"
          aria-label=${`Rate ${r} star${r > 1 ? 's' : ''}`}
          title=${`${'★'.repeat(r)} (${r})`}
          @click=${() => edits.rate(selection, r)}
        >
          ★
        </button>`,
      )}
    </div>
    <button type="button" class="icon-button" aria-label="Clear rating" title="Clear the rating (0)" @click=${() => edits.rate(selection, null)}>
      ⊘
    </button>
    <div class="batch-group" role="group" aria-label="Tags">
      <input
        type="text"
        class="tag-input"
        aria-label="Tag"
        placeholder="Tag"
        list="tag-suggestions-batch"
        maxlength="100"
        autocomplete="off"
        @input=${(e) => suggest(e.target, 'tag-suggestions-batch')}
        @keydown=${(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            const tag = tagValue();
            if (tag) edits.editTags(selection, 'add', [tag]);
          }
        }}
      /><datalist id="tag-suggestions-batch"></datalist>
      <button
        aria-label="Add tag"
        type="button"
        class="button"
        @click=${() => {
          const tag = tagValue();
          if (tag) edits.editTags(selection, 'add', [tag]);
        }}
        title="Add the tag"
      >
        +
      </button>
      <button
        aria-label="Remove tag"
        type="button"
        class="button"
        @click=${() => {
          const tag = tagValue();
          if (tag) edits.editTags(selection, 'remove', [tag]);
        }}
        title="Remove the tag"
      >
        −
      </button>
    </div>
    ${assignSelect('Set event', 'events', lists.events, true, (v) => edits.assign('event_id', selection, v))}
    ${assignSelect('Set category', 'categories', lists.categories, true, (v) => edits.assign('category_id', selection, v))}
    ${assignSelect('Set photographer', 'photographers', lists.photographers, false, (v) =>
      edits.assign('photographer_id', selection, v),
    )}
    <select
      class="batch-select"
      aria-label="Add to collection"
      @focus=${() => need('collections')}
      @change=${async (e) => {
        const value = e.target.value;
        e.target.value = '';
        if (value === NEW) {
          const name = await ask('New collection', 'Name', 'Create and add');
          if (name) edits.addToCollection(null, selection, name);
        } else if (value) edits.addToCollection(value, selection);
      }}
    >
      <option value="" selected>Add to collection…</option>
      <option value=${NEW}>New collection…</option>
      ${(lists.collections ?? []).map((c) => html`<option value=${c.value}>${c.label}</option>`)}
    </select>
    <button type="button" class="button" ?disabled=${selection.length < 2} @click=${() => edits.makeStack(selection)}>
      Stack
    </button>
    <button
      type="button"
      class="button is-danger"
      aria-label="Move to trash"
      title="Move to the trash (Delete)"
      @click=${() => edits.trash(selection, true)}
    >
      Trash
    </button>
  `;
}

/**
 * A select that applies its choice to the selection and goes back to its prompt.
 * @param {string} label
 * @param {'events'|'categories'|'photographers'} list
 * @param {import('../lookups.js').Option[]|undefined} options
 * @param {boolean} allowNone
 * @param {(value: string|null) => void} apply
 */
function assignSelect(label, list, options, allowNone, apply) {
  return html`<select
    class="batch-select"
    aria-label=${label}
    @focus=${() => need(list)}
    @change=${(e) => {
      const value = e.target.value;
      e.target.value = '';
      if (value) apply(value === NONE ? null : value);
    }}
  >
    <option value="" selected>${label.replace(/^Set /, '').replace(/^./, (c) => c.toUpperCase())}…</option>
    ${allowNone ? html`<option value=${NONE}>None</option>` : nothing}
    ${options === undefined ? html`<option disabled>Loading…</option>` : nothing}
    ${(options ?? []).map((o) => html`<option value=${o.value}>${o.child ? '\u2003' : ''}${o.label}</option>`)}
  </select>`;
}
