// A tag field: the tags as removable chips and an input that suggests tags the catalog
// already has (prefix search on /api/tags, with counts) through a native datalist.

import { html, nothing } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { normaliseTag } from '../filters.js';

let timer = 0;
/** @type {AbortController|null} */
let asking = null;

/**
 * @typedef {object} TagInputOptions
 * @property {string} id unique on the page, stable across renders
 * @property {string[]} tags shown as chips (none for a pure "add" field)
 * @property {string} label the input's accessible name
 * @property {string} [placeholder]
 * @property {(tag: string) => void} onAdd
 * @property {(tag: string) => void} [onRemove]
 * @property {boolean} [disabled]
 */

/** @param {TagInputOptions} options */
export function tagInput(options) {
  const listId = `tag-suggestions-${options.id}`;
  const add = (/** @type {HTMLInputElement} */ input) => {
    const tag = normaliseTag(input.value);
    if (!tag) return;
    input.value = '';
    options.onAdd(tag);
  };
  return html`<div class="tag-field">
    ${options.tags.length
      ? html`<ul class="chips" aria-label=${`${options.label}: current tags`}>
          ${options.tags.map(
            (tag) => html`<li class="chip">
              <span>${tag}</span>
              ${options.onRemove && !options.disabled
                ? html`<button
                    type="button"
                    class="chip-remove"
                    aria-label=${`Remove tag ${tag}`}
                    @click=${() => options.onRemove?.(tag)}
                  >
                    ×
                  </button>`
                : nothing}
            </li>`,
          )}
        </ul>`
      : nothing}
    ${options.disabled
      ? nothing
      : html`<input
            type="text"
            class="tag-input"
            aria-label=${options.label}
            placeholder=${options.placeholder ?? 'Add a tag…'}
            list=${listId}
            maxlength="100"
            autocomplete="off"
            @input=${(e) => suggest(e.target, listId)}
            @keydown=${(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add(e.target);
              }
            }}
            @change=${(e) => {
              // Picking a suggestion from the list fires change without Enter.
              const input = /** @type {HTMLInputElement} */ (e.target);
              const list = document.getElementById(listId);
              if (list && [...list.querySelectorAll('option')].some((o) => o.value === input.value)) add(input);
            }}
          /><datalist id=${listId}></datalist>`}
  </div>`;
}

/**
 * Fill a datalist with the tags that start with what an input holds.
 * @param {HTMLInputElement} input
 * @param {string} listId
 */
export function suggest(input, listId) {
  clearTimeout(timer);
  const q = normaliseTag(input.value);
  if (!q) return;
  timer = setTimeout(async () => {
    asking?.abort();
    const controller = new AbortController();
    asking = controller;
    try {
      const tags = await api.get('/api/tags', { q, with_count: 'true', limit: 20 }, { signal: controller.signal });
      const list = document.getElementById(listId);
      if (!list) return;
      list.replaceChildren(
        ...tags.map((/** @type {{tag: string, count: number|null}} */ t) => {
          const option = document.createElement('option');
          option.value = t.tag;
          if (t.count !== null && t.count !== undefined) option.label = `${t.tag} (${t.count})`;
          return option;
        }),
      );
    } catch {
      // No suggestions this time; typing a tag still works.
    }
  }, 120);
}
