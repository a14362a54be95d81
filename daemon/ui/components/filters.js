// The filters panel and the chips that sum up active filters. Both only describe
// the filters and report changes; the library view writes them to the URL.

import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { FILE_STATE_LABELS, FILE_STATES, emptyFilters, normaliseTag } from '../filters.js';
import { labelOf, lookups } from '../lookups.js';
import { tagInput } from './tags.js';

/** @typedef {import('../filters.js').Filters} Filters */
/** @typedef {(patch: Partial<Filters>) => void} Change */

const LISTS = /** @type {const} */ ([
  ['event', 'events', 'Event'],
  ['category', 'categories', 'Category'],
  ['photographer', 'photographers', 'Photographer'],
  ['session', 'sessions', 'Registration session'],
  ['camera', 'cameras', 'Camera'],
]);

const RATINGS = [
  { value: '', label: 'Any rating' },
  { value: 'unrated', label: 'Unrated only' },
  ...[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: `${'★'.repeat(n)} or more` })),
];

/**
 * @param {Filters} f
 * @param {Change} change
 * @param {{trashAllowed: boolean}} options
 */
export function filtersPanel(f, change, options) {
  const lists = lookups.get();
  return html`
    <form class="filters" aria-label="Filters" @submit=${(e) => e.preventDefault()}>
      <div class="filters-head">
        <h2>Filters</h2>
        <button type="button" class="link-button" @click=${() => change(clearPatch(f))}>Clear all</button>
      </div>

      <div class="field">
        <span class="field-label">Tags (all of them)</span>
        ${tagInput({
          id: 'filter',
          tags: f.tags,
          label: 'Filter by tag',
          placeholder: 'Add a tag…',
          onAdd: (tag) => change({ tags: [...new Set([...f.tags, normaliseTag(tag)])] }),
          onRemove: (tag) => change({ tags: f.tags.filter((t) => t !== tag) }),
        })}
      </div>

      <div class="field-row">
        <label class="field">
          <span class="field-label">Taken from</span>
          <input
            type="date"
            aria-label="Taken from"
            min="0001-01-01"
            max="9999-12-31"
            .value=${f.from}
            @change=${(e) => change({ from: e.target.value })}
          />
        </label>
        <label class="field">
          <span class="field-label">Taken until</span>
          <input
            type="date"
            aria-label="Taken until"
            min="0001-01-01"
            max="9999-12-31"
            .value=${f.to}
            @change=${(e) => change({ to: e.target.value })}
          />
        </label>
      </div>

      <label class="field">
        <span class="field-label">Rating</span>
        <select aria-label="Rating" @change=${(e) => change({ rating: e.target.value })}>
          ${RATINGS.map((r) => html`<option value=${r.value} ?selected=${f.rating === r.value}>${r.label}</option>`)}
        </select>
      </label>

      ${LISTS.map(
        ([key, list, label]) => html`
          <label class="field">
            <span class="field-label">${label}</span>
            ${select(label, f[key], lists[list], (value) => change({ [key]: value }))}
          </label>
        `,
      )}

      <label class="field">
        <span class="field-label">Master file</span>
        <select aria-label="File state" @change=${(e) => change({ files: e.target.value })}>
          <option value="" ?selected=${!f.files}>Any state</option>
          ${FILE_STATES.map(
            (s) => html`<option value=${s} ?selected=${f.files === s}>${FILE_STATE_LABELS[s]}</option>`,
          )}
        </select>
      </label>

      <label class="check">
        <input type="checkbox" .checked=${f.damaged} @change=${(e) => change({ damaged: e.target.checked })} />
        Only damaged originals
      </label>
      <label class="check">
        <input type="checkbox" .checked=${f.stacks} @change=${(e) => change({ stacks: e.target.checked })} />
        Show every photo of a stack
      </label>
      ${options.trashAllowed
        ? html`<label class="check">
            <input type="checkbox" aria-label="Trash" .checked=${f.trash} @change=${(e) => change({ trash: e.target.checked })} />
            Show the trash instead
          </label>`
        : nothing}
    </form>
  `;
}

/**
 * @param {string} label
 * @param {string} value
 * @param {import('../lookups.js').Option[]|undefined} options
 * @param {(value: string) => void} onChange
 */
function select(label, value, options, onChange) {
  // Until the list arrives, the chosen value still shows (as its id or name).
  const list = options ?? (value ? [{ value, label: value }] : []);
  return html`<select aria-label=${label} @change=${(e) => onChange(e.target.value)}>
    <option value="" ?selected=${!value}>Any</option>
    ${list.map(
      (o) => html`<option value=${o.value} ?selected=${o.value === value}>
        ${o.child ? '\u2003' : ''}${o.label}${o.count !== undefined ? ` (${o.count})` : ''}
      </option>`,
    )}
    ${options === undefined ? html`<option disabled>Loading…</option>` : nothing}
  </select>`;
}

/** @param {Filters} f @returns {Partial<Filters>} every filter off, sort and view kept */
function clearPatch(f) {
  const empty = emptyFilters();
  return { ...empty, sort: f.sort, trash: f.trash, stacks: f.stacks };
}

/**
 * Chips for the active filters, each removable.
 * @param {Filters} f
 * @param {Change} change
 */
export function filterChips(f, change) {
  /** @type {{label: string, remove: Partial<Filters>}[]} */
  const chips = [];
  for (const tag of f.tags) chips.push({ label: `#${tag}`, remove: { tags: f.tags.filter((t) => t !== tag) } });
  if (f.from) chips.push({ label: `From ${f.from}`, remove: { from: '' } });
  if (f.to) chips.push({ label: `Until ${f.to}`, remove: { to: '' } });
  if (f.rating) {
    chips.push({ label: f.rating === 'unrated' ? 'Unrated' : `${'★'.repeat(Number(f.rating))}+`, remove: { rating: '' } });
  }
  for (const [key, list, label] of LISTS) {
    if (f[key]) chips.push({ label: `${label}: ${labelOf(list, f[key]) ?? f[key]}`, remove: { [key]: '' } });
  }
  if (f.files) chips.push({ label: FILE_STATE_LABELS[f.files], remove: { files: '' } });
  if (f.damaged) chips.push({ label: 'Damaged originals', remove: { damaged: false } });
  if (chips.length === 0) return nothing;
  return html`<ul class="chips" aria-label="Active filters">
    ${chips.map(
      (chip) => html`<li class="chip">
        <span>${chip.label}</span>
        <button type="button" class="chip-remove" aria-label=${`Remove filter ${chip.label}`} @click=${() => change(chip.remove)}>×</button>
      </li>`,
    )}
  </ul>`;
}
