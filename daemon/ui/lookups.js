// The catalog's small lists (events, categories, photographers, sessions, cameras,
// collections), each fetched once when a view first needs it and shared by all views.
// `lookups` notifies when one arrives; edits that change a list call `reload`.

import * as api from './api.js';
import { createStore } from './store.js';

/**
 * @typedef {object} Option
 * @property {string} value what the API takes (an id, a camera name)
 * @property {string} label what the UI shows
 * @property {number} [count]
 * @property {boolean} [child] a sub-event
 */

/** @type {Record<string, () => Promise<Option[]>>} */
const SOURCES = {
  events: async () => {
    // Names and counts only: covers are most of what the list weighs.
    const roots = await api.get('/api/events', { covers: false });
    /** @type {Option[]} */
    const options = [];
    for (const event of roots) {
      options.push({ value: event.id, label: event.name, count: event.photo_count });
      for (const child of event.children ?? []) {
        options.push({ value: child.id, label: child.name, count: child.photo_count, child: true });
      }
    }
    return options;
  },
  categories: async () =>
    (await api.get('/api/categories')).map((c) => ({ value: c.id, label: c.name })),
  photographers: async () =>
    (await api.get('/api/photographers')).map((p) => ({ value: p.id, label: p.name })),
  sessions: async () =>
    (await api.get('/api/input-sessions', { limit: 1000 })).map((s) => ({
      value: s.id,
      label: s.name,
      count: s.photo_count,
    })),
  cameras: async () =>
    (await api.get('/api/cameras')).map((c) => {
      const name = c.name ?? [c.make, c.model].filter(Boolean).join(' ');
      return { value: name, label: name, count: c.count };
    }),
  collections: async () =>
    (await api.get('/api/collections', { covers: false })).map((c) => ({ value: c.id, label: c.name, count: c.item_count })),
};

/** @type {import('./store.js').Store<Record<string, Option[]|undefined>>} */
export const lookups = createStore({});

/** @type {Map<string, Promise<Option[]>>} */
const pending = new Map();

/**
 * A list, fetched on first use.
 * @param {keyof typeof SOURCES} name
 * @returns {Promise<Option[]>}
 */
export function need(name) {
  const known = lookups.get()[name];
  if (known) return Promise.resolve(known);
  let promise = pending.get(name);
  if (!promise) {
    promise = SOURCES[name]()
      .then((options) => {
        lookups.set({ [name]: options });
        return options;
      })
      .finally(() => pending.delete(name));
    pending.set(name, promise);
    // A failure is shown where the list is used; here it only must not go unhandled.
    promise.catch(() => {});
  }
  return promise;
}

/**
 * Fetch a list again (after it changed).
 * @param {keyof typeof SOURCES} name
 */
export function reload(name) {
  lookups.set({ [name]: undefined });
  return need(name);
}

/**
 * The label of a value in a list already loaded.
 * @param {string} name
 * @param {string} value
 * @returns {string|undefined}
 */
export function labelOf(name, value) {
  return lookups.get()[name]?.find((o) => o.value === value)?.label;
}

/**
 * The label of the "default photographer" choice: the first of the API's list (it
 * lists the default first), marked as the default unless its name says so already.
 * @param {string|undefined} name
 * @returns {string}
 */
export function defaultPhotographerLabel(name) {
  if (!name) return 'The default photographer';
  return /default/i.test(name) ? name : `${name} (default)`;
}
