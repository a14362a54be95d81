// The browsing context the library and the loupe share: the filtered, sorted list as
// buckets, its page cache, the selection and the focused photo. It outlives the views,
// so going to the loupe and back keeps the place, the loaded photos and the selection.
//
// Events: `buckets` (detail {reset}: the list changed; reset: new filters), `items`
// (photos loaded or changed), `selection`, `focus`.

import * as api from '../api.js';
import { apiParams, emptyFilters, sameFilters } from '../filters.js';
import { bucketKeyOf } from './layout.js';
import { PageCache } from './pages.js';

export const SELECT_MAX = 10_000;

/** @typedef {import('./pages.js').Item} Item */
/** @typedef {import('../filters.js').Filters} Filters */

export class Browse extends EventTarget {
  constructor() {
    super();
    /** @type {Filters} */
    this.filters = emptyFilters();
    /** @type {{key: string, count: number}[]|null} null until loaded */
    this.buckets = null;
    this.total = 0;
    /** @type {api.ApiError|null} */
    this.error = null;
    this.cache = this.newCache();
    /** @type {Set<string>} selected hothashes */
    this.selection = new Set();
    /** Where a shift-click range starts. */
    this.anchor = -1;
    this.focus = -1;
    /** @type {Item|null} the focused photo, kept even when its page is evicted */
    this.focusItem = null;
    this.generation = 0;
    /** @type {AbortController|null} */
    this.loading = null;
  }

  newCache() {
    const params = () => apiParams(this.filters);
    return new PageCache(
      {
        bucket: (key, offset, limit, signal) =>
          api.get('/api/photos', { ...params(), granularity: 'day', bucket: key, offset, limit }, { signal }),
        range: (offset, limit, signal) => api.get('/api/photos', { ...params(), offset, limit }, { signal }),
        keyOf: (item) => bucketKeyOf(item, this.filters.sort, 'day'),
      },
      () => this.emit('items'),
    );
  }

  /** @param {string} type @param {object} [detail] */
  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Show this list; a change of filters starts over (selection included).
   * @param {Filters} filters
   */
  setFilters(filters) {
    // The same list, loaded or on its way.
    if ((this.buckets !== null || this.loading) && sameFilters(filters, this.filters)) return;
    this.filters = filters;
    this.cache.close();
    this.cache = this.newCache();
    this.buckets = null;
    this.total = 0;
    this.focus = -1;
    this.focusItem = null;
    this.anchor = -1;
    this.clearSelection();
    this.load(true);
  }

  /**
   * (Re)read the buckets. The grid keeps its first visible photo in place unless
   * `reset`; photos of unchanged buckets stay loaded.
   * @param {boolean} [reset]
   */
  async load(reset = false) {
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    const generation = (this.generation += 1);
    const params = apiParams(this.filters);
    // A new list shows its top: its first photos need no buckets to be asked for, so
    // they come in the same round trip as the buckets.
    const first = reset
      ? api.get('/api/photos', { ...params, offset: 0, limit: firstScreen() }, { signal: controller.signal }).catch(() => null)
      : null;
    try {
      const answer = await api.get('/api/photos/buckets', { ...params, granularity: 'day' }, { signal: controller.signal });
      if (generation !== this.generation) return;
      this.error = null;
      this.buckets = answer.buckets;
      this.total = answer.total;
      const focus = this.cache.where(this.focus);
      const anchor = this.cache.where(this.anchor);
      this.cache.setBuckets(answer.buckets);
      this.focus = Math.min(this.cache.indexOf(focus), this.total - 1);
      this.anchor = this.cache.indexOf(anchor);
      const items = first ? await first : null;
      if (generation !== this.generation) return;
      if (items) this.cache.prime(items, 0);
      this.emit('buckets', { reset });
    } catch (error) {
      if (api.isAbort(error) || generation !== this.generation) return;
      this.error = /** @type {api.ApiError} */ (error);
      this.emit('buckets', { reset });
    } finally {
      if (this.loading === controller) this.loading = null;
    }
  }

  /** @returns {Promise<void>} resolves once the buckets of the current filters are read */
  ready() {
    if (this.buckets !== null || this.error) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.removeEventListener('buckets', done);
        resolve();
      };
      this.addEventListener('buckets', done);
    });
  }

  /**
   * Re-read the buckets of the same list (new photos, a trash, a stack).
   * @param {boolean} [revalidate] photos may have changed in place too: fetch the
   *   loaded ones again as they are shown
   */
  refresh(revalidate = false) {
    if (revalidate) this.cache.revalidate();
    return this.load(false);
  }

  /** @param {number} index @returns {Item|undefined} */
  item(index) {
    const item = this.cache.item(index);
    if (item) return item;
    return index === this.focus && this.focusItem ? this.focusItem : undefined;
  }

  /** @param {string} hothash @returns {Item|undefined} a loaded photo */
  byHash(hothash) {
    return this.cache.byHash.get(hothash) ?? (this.focusItem?.hothash === hothash ? this.focusItem : undefined);
  }

  /**
   * The photos at [first, last], loading them if needed.
   * @param {number} first
   * @param {number} last
   * @returns {Promise<(Item|undefined)[]>}
   */
  async items(first, last) {
    first = Math.max(0, first);
    last = Math.min(this.total - 1, last);
    if (last < first) return [];
    const missing = () => {
      for (let i = first; i <= last; i += 1) if (!this.cache.item(i)) return true;
      return false;
    };
    if (missing()) {
      await new Promise((resolve) => {
        const done = () => {
          if (!missing()) {
            this.removeEventListener('items', done);
            resolve(undefined);
          }
        };
        this.addEventListener('items', done);
        const [keepFirst, keepLast] = this.cache.window;
        this.cache.want(first, last, first, Math.min(keepFirst, first), Math.max(keepLast, last));
        // Give up waiting after a while: the caller shows what it has.
        setTimeout(() => {
          this.removeEventListener('items', done);
          resolve(undefined);
        }, 5000);
      });
    }
    const result = [];
    for (let i = first; i <= last; i += 1) result.push(this.cache.item(i));
    return result;
  }

  /**
   * Hothashes of the list positions [first, last] (at most SELECT_MAX): from the
   * cache when it has them all, else from /api/photos/hothashes.
   * @param {number} first
   * @param {number} last
   * @returns {Promise<string[]>}
   */
  async hothashes(first, last) {
    first = Math.max(0, first);
    last = Math.min(this.total - 1, last, first + SELECT_MAX - 1);
    /** @type {string[]} */
    const known = [];
    for (let i = first; i <= last; i += 1) {
      const item = this.cache.item(i);
      if (!item) break;
      known.push(item.hothash);
    }
    if (known.length === last - first + 1) return known;
    return api.get('/api/photos/hothashes', { ...apiParams(this.filters), offset: first, limit: last - first + 1 });
  }

  /**
   * Where a photo is in the list: its bucket's hothashes say its place in it.
   * @param {string} hothash
   * @param {string} key the photo's bucket key
   * @returns {Promise<number>} its index, -1 when it is not in the list
   */
  async indexOf(hothash, key) {
    const s = this.cache.sections.get(key);
    if (s === undefined) return -1;
    const hashes = await api.get('/api/photos/hothashes', {
      ...apiParams(this.filters),
      granularity: 'day',
      bucket: key,
      limit: SELECT_MAX,
    });
    const at = hashes.indexOf(hothash);
    return at < 0 ? -1 : this.cache.starts[s] + at;
  }

  /**
   * Focus a photo (the one keys act on and the loupe opens).
   * @param {number} index
   */
  setFocus(index) {
    if (index < 0 || index >= this.total) return;
    this.focus = index;
    this.focusItem = this.cache.item(index) ?? null;
    this.emit('focus');
  }

  /** @param {Iterable<string>} hothashes the new selection */
  select(hothashes) {
    this.selection = new Set(hothashes);
    this.emit('selection');
  }

  /** @param {string} hothash add it, or take it out */
  toggle(hothash) {
    if (this.selection.has(hothash)) this.selection.delete(hothash);
    else this.selection.add(hothash);
    this.selection = new Set(this.selection);
    this.emit('selection');
  }

  clearSelection() {
    if (this.selection.size === 0) return;
    this.selection = new Set();
    this.emit('selection');
  }

  /**
   * Select the whole list, up to SELECT_MAX photos.
   * @returns {Promise<{selected: number, total: number}>}
   */
  async selectAll() {
    const hashes = await api.get('/api/photos/hothashes', { ...apiParams(this.filters), limit: SELECT_MAX });
    this.select(hashes);
    return { selected: hashes.length, total: this.total };
  }

  /**
   * The photos an action applies to: the selection, else the focused photo.
   * @returns {string[]}
   */
  targets() {
    if (this.selection.size > 0) return [...this.selection];
    const item = this.item(this.focus);
    return item ? [item.hothash] : [];
  }

  /**
   * Change loaded photos in place (an optimistic edit) and say so.
   * @param {string[]} hothashes
   * @param {(item: Item) => Partial<Item>} change the new values of one photo
   * @returns {Map<string, Partial<Item>>} the old values, for `revert`
   */
  patch(hothashes, change) {
    /** @type {Map<string, Partial<Item>>} */
    const before = new Map();
    for (const hothash of hothashes) {
      for (const item of this.copies(hothash)) {
        const values = change(item);
        if (!before.has(hothash)) {
          before.set(hothash, Object.fromEntries(Object.keys(values).map((k) => [k, item[k]])));
        }
        Object.assign(item, values);
      }
    }
    this.emit('items');
    return before;
  }

  /** @param {Map<string, Partial<Item>>} before from `patch` */
  revert(before) {
    for (const [hothash, values] of before) {
      for (const item of this.copies(hothash)) Object.assign(item, values);
    }
    this.emit('items');
  }

  /** @param {string} hothash @returns {Item[]} the loaded objects of a photo */
  copies(hothash) {
    const found = [];
    const item = this.cache.byHash.get(hothash);
    if (item) found.push(item);
    if (this.focusItem?.hothash === hothash && this.focusItem !== item) found.push(this.focusItem);
    return found;
  }
}

/** @returns {number} about as many photos as a first screen of this window shows, and some */
function firstScreen() {
  const tiles = Math.ceil(window.innerWidth / 170) * Math.ceil(window.innerHeight / 170);
  return Math.max(48, Math.min(400, Math.round(tiles * 1.3)));
}

/** The one browsing context of the page. */
export const browse = new Browse();
