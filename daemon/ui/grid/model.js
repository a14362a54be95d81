// The browsing context the library and the loupe share: the filtered, sorted list as
// buckets, its page cache, the selection and the focused photo. It outlives the views,
// so going to the loupe and back keeps the place, the loaded photos and the selection.
//
// Stacks open in place: with stacks collapsed the list has one photo per stack, and an
// opened stack's other photos are spliced in right after it. The page cache keeps the
// list as the API counts it ("list" indexes); the views see the spliced list ("view"
// indexes, which are what `buckets`, `total`, `item`, `focus` and `anchor` count in).
// An open stack is held as its bucket and place there, like any photo; each re-read of
// the list asks for the stack and that place again, so edits from anywhere show.
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

/**
 * @typedef {object} OpenStack a stack shown open in the list
 * @property {string} id the stack's id
 * @property {string} shown the hothash the collapsed list shows for it (its cover)
 * @property {string} key the shown photo's bucket
 * @property {number} local the shown photo's place in its bucket
 * @property {Item[]} members its other photos on the list's side of the trash
 * @property {number} at the shown photo's list index (set by `remap`)
 */

/**
 * @typedef {object} Place a view index that survives a re-read of the list
 * @property {string} key its bucket
 * @property {number} local its (list) place in the bucket
 * @property {string} hothash the photo there, if loaded
 */

/**
 * @typedef {object} Spot what a view index holds
 * @property {number} at the list index (an open stack's member: its shown photo's)
 * @property {OpenStack|undefined} stack the open stack it is in
 * @property {number} member its place among the stack's members; -1: the shown photo
 */

export class Browse extends EventTarget {
  constructor() {
    super();
    /** @type {Filters} */
    this.filters = emptyFilters();
    /** @type {{key: string, count: number}[]|null} the view's buckets; null until loaded */
    this.buckets = null;
    /** @type {{key: string, count: number}[]} the list's buckets, as the API counts them */
    this.listBuckets = [];
    /** photos in the view */
    this.total = 0;
    /** @type {OpenStack[]} in list order */
    this.open = [];
    /** @type {Set<string>} stacks to open once the list is read again */
    this.opening = new Set();
    /** @type {Set<string>} buckets to read again whole at the next load */
    this.changed = new Set();
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
    this.listBuckets = [];
    this.total = 0;
    this.open = [];
    this.opening = new Set();
    this.changed = new Set();
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
      const asked = this.openIds();
      let open = reset ? [] : await this.reopen([...asked], answer.buckets, controller.signal);
      if (generation !== this.generation) return;
      // A stack opened meanwhile was placed in the old list: read again to place it.
      const still = this.openIds();
      if ([...still].some((id) => !asked.has(id))) return await this.load(false);
      open = open.filter((stack) => still.has(stack.id));
      this.opening = new Set();
      this.error = null;
      const focus = this.where(this.focus);
      const anchor = this.where(this.anchor);
      this.listBuckets = answer.buckets;
      this.cache.setBuckets(answer.buckets, this.changed);
      this.changed = new Set();
      this.open = open;
      this.remap();
      for (const stack of open) {
        // The shown photo's count, as the stack is now (a member may have left).
        for (const item of this.copies(stack.shown)) item.stack_size = stack.members.length + 1;
      }
      this.focus = Math.min(this.indexOf(focus), this.total - 1);
      this.anchor = this.indexOf(anchor);
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
   * @param {Iterable<string>} [changed] buckets whose photos changed places: read again
   */
  refresh(revalidate = false, changed = []) {
    if (revalidate) this.cache.revalidate();
    // Kept until a load applies them: a later refresh may cancel this one.
    for (const key of changed) this.changed.add(key);
    return this.load(false);
  }

  /** @returns {Set<string>} the stacks open, or to be opened */
  openIds() {
    return new Set([...this.open.map((stack) => stack.id), ...this.opening]);
  }

  /**
   * The open stacks as they are now, for the list's new buckets: each stack asked for
   * again, and its shown photo found again in its bucket. Stacks no longer in the list
   * (dissolved, filtered out, a single photo left) close.
   * @param {string[]} ids
   * @param {{key: string, count: number}[]} buckets
   * @param {AbortSignal} signal
   * @returns {Promise<OpenStack[]>}
   */
  async reopen(ids, buckets, signal) {
    if (ids.length === 0) return [];
    const keys = new Set(buckets.map((b) => b.key));
    const filters = this.filters;
    const found = await Promise.all(
      ids.map(async (id) => {
        try {
          const stack = await this.stack(id, signal);
          if (!stack) return null;
          const { shown, members } = stack;
          const key = bucketKeyOf(shown, filters.sort, 'day');
          if (!keys.has(key)) return null;
          const hashes = await api.get(
            '/api/photos/hothashes',
            { ...apiParams(filters), granularity: 'day', bucket: key, limit: SELECT_MAX },
            { signal },
          );
          const local = hashes.indexOf(shown.hothash);
          return local < 0 ? null : { id, shown: shown.hothash, key, local, members, at: -1 };
        } catch (error) {
          // A stack that cannot be read now closes; the list itself still shows.
          if (api.isAbort(error)) throw error;
          return null;
        }
      }),
    );
    return /** @type {OpenStack[]} */ (found.filter(Boolean));
  }

  /**
   * A stack's photos on the list's side of the trash: the one the collapsed list shows
   * (its cover, or while the cover is on the other side its first photo) and the others.
   * @param {string} id
   * @param {AbortSignal} [signal]
   * @returns {Promise<{shown: Item, members: Item[]}|null>} null: no stack of two here
   */
  async stack(id, signal) {
    let stack;
    try {
      stack = await api.get(`/api/stacks/${id}`, undefined, { signal });
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 404) return null;
      throw error;
    }
    /** @type {Item[]} */
    const side = stack.photos.filter((/** @type {Item} */ p) => Boolean(p.deleted_at) === this.filters.trash);
    if (side.length < 2) return null;
    const shown = side.find((p) => p.is_stack_cover) ?? side[0];
    return { shown, members: side.filter((p) => p !== shown) };
  }

  /** Place the open stacks in the list, and count the view's buckets. */
  remap() {
    const cache = this.cache;
    this.open = this.open
      .filter((stack) => {
        const s = cache.sections.get(stack.key);
        if (s === undefined || stack.local >= cache.counts[s]) return false;
        stack.at = cache.starts[s] + stack.local;
        return true;
      })
      .sort((a, b) => a.at - b.at);
    /** @type {Map<string, number>} */
    const extra = new Map();
    let added = 0;
    for (const stack of this.open) {
      extra.set(stack.key, (extra.get(stack.key) ?? 0) + stack.members.length);
      added += stack.members.length;
    }
    this.buckets = this.listBuckets.map((b) => (extra.has(b.key) ? { key: b.key, count: b.count + (extra.get(b.key) ?? 0) } : b));
    this.total = cache.total + added;
  }

  /**
   * What a view index holds.
   * @param {number} index
   * @returns {Spot}
   */
  spot(index) {
    let shift = 0;
    for (const stack of this.open) {
      const shown = stack.at + shift;
      if (index < shown) break;
      if (index <= shown + stack.members.length) return { at: stack.at, stack, member: index - shown - 1 };
      shift += stack.members.length;
    }
    return { at: index - shift, stack: undefined, member: -1 };
  }

  /** @param {number} at a list index @returns {number} its view index */
  viewIndex(at) {
    let index = at;
    for (const stack of this.open) {
      if (stack.at >= at) break;
      index += stack.members.length;
    }
    return index;
  }

  /** @param {string} id @returns {OpenStack|undefined} */
  openStack(id) {
    return this.open.find((stack) => stack.id === id);
  }

  /**
   * A view index as its bucket and place, which survive photos arriving in other
   * buckets and stacks opening or closing.
   * @param {number} index
   * @returns {Place|null}
   */
  where(index) {
    if (index < 0) return null;
    const { at } = this.spot(index);
    const place = this.cache.where(at);
    return place ? { ...place, hothash: this.item(index)?.hothash ?? '' } : null;
  }

  /**
   * The view index of a place from `where`, in the current list: where its photo is
   * when it is an open stack's, else its bucket's place.
   * @param {Place|null} place
   * @returns {number} -1 when that bucket is gone
   */
  indexOf(place) {
    if (!place) return -1;
    const open = this.openIndex(place.hothash);
    if (open >= 0) return open;
    const at = this.cache.indexOf(place);
    return at < 0 ? -1 : this.viewIndex(at);
  }

  /** @param {string} hothash @returns {number} its view index in an open stack, else -1 */
  openIndex(hothash) {
    for (const stack of this.open) {
      if (stack.shown === hothash) return this.viewIndex(stack.at);
      const member = stack.members.findIndex((m) => m.hothash === hothash);
      if (member >= 0) return this.viewIndex(stack.at) + 1 + member;
    }
    return -1;
  }

  /** @param {number} index @returns {Item|undefined} */
  item(index) {
    const { at, stack, member } = this.spot(index);
    const item = stack && member >= 0 ? stack.members[member] : this.cache.item(at);
    if (item) return item;
    return index === this.focus && this.focusItem ? this.focusItem : undefined;
  }

  /** @param {string} hothash @returns {Item|undefined} a loaded photo */
  byHash(hothash) {
    const item = this.cache.byHash.get(hothash);
    if (item) return item;
    for (const stack of this.open) {
      const member = stack.members.find((m) => m.hothash === hothash);
      if (member) return member;
    }
    return this.focusItem?.hothash === hothash ? this.focusItem : undefined;
  }

  /**
   * Load the photos of the view indexes [first, last], nearest `center` first, and
   * forget those far outside [keepFirst, keepLast].
   * @param {number} first
   * @param {number} last
   * @param {number} center
   * @param {number} [keepFirst]
   * @param {number} [keepLast]
   */
  want(first, last, center, keepFirst = first, keepLast = last) {
    const at = (/** @type {number} */ index) => this.spot(index).at;
    this.cache.want(at(first), at(last), at(center), at(keepFirst), at(keepLast));
  }

  /**
   * Open a collapsed stack in place, or close an open one.
   * @param {number} index the stack's shown photo, or one of an open stack's
   * @returns {Promise<void>}
   */
  async toggleStack(index) {
    const { at, stack } = this.spot(index);
    if (stack) {
      this.closeStack(stack.id);
      return;
    }
    const item = this.item(index);
    if (this.filters.stacks || !item?.stack_id || !item.stack_size || item.stack_size < 2) return;
    const id = item.stack_id;
    const place = this.cache.where(at);
    const cache = this.cache;
    const found = await this.stack(id);
    if (!found || !place || cache !== this.cache || this.openIds().has(id)) return;
    if (found.shown.hothash !== item.hothash || cache.item(cache.indexOf(place))?.hothash !== item.hothash) {
      // The list or the stack changed meanwhile: a re-read finds the stack's place.
      this.opening.add(id);
      await this.load(false);
      return;
    }
    /** @type {OpenStack} */
    const opened = { id, shown: item.hothash, key: place.key, local: place.local, members: found.members, at: -1 };
    this.reshape(() => this.open.push(opened));
  }

  /** @param {string} id close this stack, if open; its hidden photos leave the selection */
  closeStack(id) {
    const stack = this.openStack(id);
    if (!stack) return;
    this.reshape(() => {
      this.open = this.open.filter((s) => s !== stack);
    });
    const hidden = new Set(stack.members.map((m) => m.hothash));
    if ([...this.selection].some((h) => hidden.has(h))) this.select([...this.selection].filter((h) => !hidden.has(h)));
  }

  /**
   * Change the open stacks, keeping the focus and the range anchor on their photos.
   * @param {() => void} change
   */
  reshape(change) {
    const focus = this.where(this.focus);
    const anchor = this.where(this.anchor);
    change();
    this.remap();
    this.focus = Math.min(this.indexOf(focus), this.total - 1);
    this.focusItem = this.item(this.focus) ?? this.focusItem;
    this.anchor = this.indexOf(anchor);
    this.emit('buckets', { reset: false });
  }

  /**
   * A stack was made, changed or dissolved: read the list again, with the buckets its
   * photos are in read whole (a new cover takes the old one's place, a photo that left
   * shows on its own), and the stack again if it is open.
   * @param {string} id
   * @param {Item[]} photos the stack's photos as known (before or after the change)
   * @param {boolean} [dissolved] the stack is gone: close it
   */
  stackChanged(id, photos, dissolved = false) {
    const sort = this.filters.sort;
    /** @type {Set<string>} */
    const keys = new Set([...photos, ...this.stackPhotos(id)].map((p) => bucketKeyOf(p, sort, 'day')));
    const stack = this.openStack(id);
    if (stack) keys.add(stack.key);
    if (dissolved) {
      this.open = this.open.filter((s) => s !== stack);
      this.opening.delete(id);
    }
    return this.refresh(false, keys);
  }

  /** @param {string} id @returns {Item[]} the stack's photos that are loaded */
  stackPhotos(id) {
    const photos = [...this.cache.byHash.values()].filter((item) => item.stack_id === id);
    const stack = this.openStack(id);
    return stack ? [...photos, ...stack.members] : photos;
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
      for (let i = first; i <= last; i += 1) if (!this.item(i)) return true;
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
        const from = this.spot(first).at;
        const to = this.spot(last).at;
        this.cache.want(from, to, from, Math.min(keepFirst, from), Math.max(keepLast, to));
        // Give up waiting after a while: the caller shows what it has.
        setTimeout(() => {
          this.removeEventListener('items', done);
          resolve(undefined);
        }, 5000);
      });
    }
    const result = [];
    for (let i = first; i <= last; i += 1) result.push(this.item(i));
    return result;
  }

  /**
   * Hothashes of the view positions [first, last] (at most SELECT_MAX): from the
   * cache when it has them all, else from /api/photos/hothashes with the open stacks'
   * photos put in.
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
      const item = this.item(i);
      if (!item) break;
      known.push(item.hothash);
    }
    if (known.length === last - first + 1) return known;
    const from = this.spot(first).at;
    const to = this.spot(last).at;
    /** @type {string[]} */
    const listed = await api.get('/api/photos/hothashes', { ...apiParams(this.filters), offset: from, limit: to - from + 1 });
    if (this.open.length === 0) return listed;
    /** @type {string[]} */
    const hashes = [];
    listed.forEach((hothash, j) => {
      const index = this.viewIndex(from + j);
      if (index >= first && index <= last) hashes.push(hothash);
      const stack = this.open.find((s) => s.at === from + j);
      stack?.members.forEach((member, k) => {
        if (index + 1 + k >= first && index + 1 + k <= last) hashes.push(member.hothash);
      });
    });
    return hashes;
  }

  /**
   * Where a photo is in the view: in an open stack, or by its bucket's hothashes.
   * @param {string} hothash
   * @param {string} key the photo's bucket key
   * @returns {Promise<number>} its index, -1 when it is not in the list
   */
  async find(hothash, key) {
    const open = this.openIndex(hothash);
    if (open >= 0) return open;
    const s = this.cache.sections.get(key);
    if (s === undefined) return -1;
    const hashes = await api.get('/api/photos/hothashes', {
      ...apiParams(this.filters),
      granularity: 'day',
      bucket: key,
      limit: SELECT_MAX,
    });
    const at = hashes.indexOf(hothash);
    return at < 0 || this.cache.sections.get(key) !== s ? -1 : this.viewIndex(this.cache.starts[s] + at);
  }

  /**
   * Focus a photo (the one keys act on and the loupe opens).
   * @param {number} index
   */
  setFocus(index) {
    if (index < 0 || index >= this.total) return;
    this.focus = index;
    this.focusItem = this.item(index) ?? null;
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
    /** @type {string[]} */
    const listed = await api.get('/api/photos/hothashes', { ...apiParams(this.filters), limit: SELECT_MAX });
    // The open stacks' other photos are shown, so they are part of "all".
    const shown = new Set(listed);
    const hashes = [...listed];
    for (const stack of this.open) if (shown.has(stack.shown)) hashes.push(...stack.members.map((m) => m.hothash));
    this.select(hashes.slice(0, SELECT_MAX));
    return { selected: Math.min(hashes.length, SELECT_MAX), total: this.total };
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
    for (const stack of this.open) found.push(...stack.members.filter((m) => m.hothash === hothash));
    if (this.focusItem?.hothash === hothash && !found.includes(this.focusItem)) found.push(this.focusItem);
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
