// The grid's photo cache, by bucket: a page is `bucket=K&offset=p*PAGE&limit=PAGE`, so
// photos arriving in other buckets shift nothing already loaded. Consecutive small
// buckets (a day with three photos) are fetched together with one plain offset
// request and split by each photo's bucket key; a bucket that does not come back
// whole that way is fetched on its own. Pages far from the viewport are evicted to
// keep memory bounded; requests no longer near it are cancelled.

import { isAbort } from '../api.js';

const PAGE = 100;
const RUN_MAX = 150;
const CONCURRENCY = 4;
const EMPTY = 0;
const LOADING = 1;
const LOADED = 2;
// Loaded, shown, but to be fetched again (the list may have changed in place).
const STALE = 3;

/**
 * @typedef {object} Item a PhotoItem of the list, as the API sends it
 * @property {string} hothash
 * @property {string} hotpreview_b64
 * @property {string|null} taken_at
 * @property {string} taken_at_accuracy
 * @property {string} registered_at
 * @property {number|null} rating
 * @property {string[]} tags
 * @property {string|null} deleted_at
 * @property {number} [rotation]
 * @property {number|null} [stack_size]
 * @property {string|null} stack_id
 * @property {boolean} is_stack_cover
 * @property {string|null} [event_id]
 * @property {string|null} [category_id]
 * @property {string} [photographer_id]
 */

/**
 * @typedef {object} Source how to fetch
 * @property {(key: string, offset: number, limit: number, signal: AbortSignal) => Promise<Item[]>} bucket
 * @property {(offset: number, limit: number, signal: AbortSignal) => Promise<Item[]>} range
 * @property {(item: Item) => string} keyOf the bucket key of an item
 */

class BucketData {
  /** @param {number} count */
  constructor(count) {
    this.count = count;
    /** @type {(Item|undefined)[]} */
    this.items = new Array(count);
    this.pages = new Uint8Array(Math.ceil(count / PAGE));
  }
}

export class PageCache {
  /**
   * @param {Source} source
   * @param {() => void} onLoad called when photos arrive
   * @param {number} [maxItems] photos kept at most (each carries its ~7 KB hotpreview)
   */
  constructor(source, onLoad, maxItems = 4000) {
    this.source = source;
    this.onLoad = onLoad;
    this.maxItems = maxItems;
    /** @type {Map<string, BucketData>} */
    this.data = new Map();
    /** @type {string[]} */
    this.keys = [];
    /** @type {Map<string, number>} section of each key */
    this.sections = new Map();
    /** @type {Int32Array} */
    this.counts = new Int32Array(0);
    /** @type {Float64Array} */
    this.starts = new Float64Array(1);
    /** @type {Map<string, Item>} loaded photos by hothash, for edits */
    this.byHash = new Map();
    this.held = 0;
    /** @type {Set<Request>} */
    this.inflight = new Set();
    /** @type {Request[]} */
    this.queue = [];
    // Buckets that did not come back whole in a joint request.
    /** @type {Set<string>} */
    this.solo = new Set();
    this.runs = true;
    this.misses = 0;
    this.center = 0;
    this.window = [0, -1];
  }

  /**
   * Take the (new) bucket list; photos of buckets whose key and count are unchanged
   * stay loaded, the others are dropped.
   * @param {{key: string, count: number}[]} buckets
   * @param {Set<string>} [changed] buckets to drop even so: their photos changed places
   *   without changing their count (a stack's new cover takes its old one's place)
   */
  setBuckets(buckets, changed = new Set()) {
    const n = buckets.length;
    this.keys = buckets.map((b) => b.key);
    this.sections = new Map(this.keys.map((key, s) => [key, s]));
    this.counts = new Int32Array(n);
    this.starts = new Float64Array(n + 1);
    /** @type {Map<string, BucketData>} */
    const data = new Map();
    let index = 0;
    for (let s = 0; s < n; s += 1) {
      const { key, count } = buckets[s];
      this.counts[s] = count;
      this.starts[s] = index;
      index += count;
      const old = this.data.get(key);
      data.set(key, old && old.count === count && !changed.has(key) ? old : new BucketData(count));
    }
    this.starts[n] = index;
    for (const [key, old] of this.data) {
      if (data.get(key) !== old) this.dropBucket(old);
    }
    this.data = data;
    for (const request of [...this.inflight, ...this.queue]) {
      if (!request.parts.every((p) => this.data.get(p.key) === p.bucket)) this.cancel(request);
    }
  }

  /** @param {BucketData} bucket */
  dropBucket(bucket) {
    for (const item of bucket.items) {
      if (item) {
        this.held -= 1;
        if (this.byHash.get(item.hothash) === item) this.byHash.delete(item.hothash);
      }
    }
  }

  /** @returns {number} photos in the list */
  get total() {
    return this.starts[this.keys.length];
  }

  /** @param {number} index @returns {number} section, -1 out of range */
  sectionOf(index) {
    if (index < 0 || index >= this.total) return -1;
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    while (this.counts[lo] === 0) lo -= 1;
    return lo;
  }

  /**
   * A list index as its bucket and place in it, which survive photos arriving in
   * other buckets.
   * @param {number} index
   * @returns {{key: string, local: number}|null}
   */
  where(index) {
    const s = this.sectionOf(index);
    return s < 0 ? null : { key: this.keys[s], local: index - this.starts[s] };
  }

  /**
   * The list index of a place from `where`, in the current buckets.
   * @param {{key: string, local: number}|null} place
   * @returns {number} -1 when that bucket is gone
   */
  indexOf(place) {
    if (!place) return -1;
    const s = this.sections.get(place.key);
    if (s === undefined) return -1;
    return this.starts[s] + Math.min(place.local, Math.max(0, this.counts[s] - 1));
  }

  /**
   * The photo at a list index, if loaded.
   * @param {number} index
   * @returns {Item|undefined}
   */
  item(index) {
    const s = this.sectionOf(index);
    if (s < 0) return undefined;
    return this.data.get(this.keys[s])?.items[index - this.starts[s]];
  }

  /**
   * Take photos fetched by plain list position (the list's first page, asked for with
   * the buckets). Each is checked against the bucket its position falls in; at the first
   * that is not of it, the list moved in between, and the rest is left to be fetched.
   * @param {Item[]} items
   * @param {number} offset list index of the first
   */
  prime(items, offset) {
    let s = this.sectionOf(offset);
    for (let j = 0; j < items.length && s >= 0; j += 1) {
      const index = offset + j;
      while (s < this.keys.length && index >= this.starts[s + 1]) s += 1;
      if (s >= this.keys.length || this.source.keyOf(items[j]) !== this.keys[s]) break;
      const bucket = /** @type {BucketData} */ (this.data.get(this.keys[s]));
      const local = index - this.starts[s];
      if (!bucket.items[local]) this.held += 1;
      bucket.items[local] = items[j];
      this.byHash.set(items[j].hothash, items[j]);
      const page = Math.floor(local / PAGE);
      const end = Math.min(bucket.count, (page + 1) * PAGE);
      if (local === end - 1 && this.whole(bucket, page * PAGE, end)) bucket.pages[page] = LOADED;
    }
  }

  /**
   * @param {BucketData} bucket
   * @param {number} from
   * @param {number} to
   * @returns {boolean} whether the bucket holds every photo of [from, to)
   */
  whole(bucket, from, to) {
    for (let i = from; i < to; i += 1) if (!bucket.items[i]) return false;
    return true;
  }

  /**
   * Make sure the photos in [first, last] get loaded, nearest to `center` first, and
   * forget requests and pages far outside [keepFirst, keepLast].
   * @param {number} first
   * @param {number} last
   * @param {number} center
   * @param {number} keepFirst
   * @param {number} keepLast
   */
  want(first, last, center, keepFirst = first, keepLast = last) {
    this.center = center;
    this.window = [keepFirst, keepLast];
    this.queue = this.queue.filter((r) => {
      const keep = r.last >= keepFirst && r.first <= keepLast;
      if (!keep) this.release(r);
      return keep;
    });
    for (const request of this.inflight) {
      if (request.last < keepFirst || request.first > keepLast) this.cancel(request);
    }
    if (this.total === 0 || last < first) return;
    for (const request of this.plan(Math.max(0, first), Math.min(this.total - 1, last))) {
      this.queue.push(request);
    }
    this.queue.sort((a, b) => distance(a, center) - distance(b, center));
    this.pump();
  }

  /**
   * The requests that load the missing pages of [first, last].
   * @param {number} first
   * @param {number} last
   * @returns {Request[]}
   */
  plan(first, last) {
    /** @type {Request[]} */
    const requests = [];
    /** @type {Request|null} */
    let run = null;
    const s1 = this.sectionOf(last);
    for (let s = this.sectionOf(first); s <= s1; s += 1) {
      const key = this.keys[s];
      const bucket = /** @type {BucketData} */ (this.data.get(key));
      const count = bucket.count;
      if (count === 0) continue;
      const start = this.starts[s];
      const lo = Math.max(first, start) - start;
      const hi = Math.min(last, start + count - 1) - start;
      for (let p = Math.floor(lo / PAGE); p <= Math.floor(hi / PAGE); p += 1) {
        if (bucket.pages[p] !== EMPTY && bucket.pages[p] !== STALE) {
          run = null;
          continue;
        }
        bucket.pages[p] = LOADING;
        const part = { key, bucket, page: p, offset: p * PAGE, limit: Math.min(PAGE, count - p * PAGE), start: start + p * PAGE };
        const joinable = this.runs && count <= PAGE && !this.solo.has(key);
        if (joinable && run && run.joinable && run.nextSection === s && run.size + count <= RUN_MAX) {
          run.parts.push(part);
          run.size += count;
          run.last = start + count - 1;
          run.nextSection = s + 1;
        } else {
          run = new Request([part], joinable, s + 1);
          requests.push(run);
        }
        if (!joinable) run = null;
      }
    }
    return requests;
  }

  pump() {
    while (this.inflight.size < CONCURRENCY && this.queue.length > 0) {
      const request = /** @type {Request} */ (this.queue.shift());
      this.inflight.add(request);
      this.run(request);
    }
  }

  /** @param {Request} request */
  async run(request) {
    const { parts } = request;
    try {
      const items =
        parts.length === 1
          ? await this.source.bucket(parts[0].key, parts[0].offset, parts[0].limit, request.controller.signal)
          : await this.source.range(parts[0].start, request.size, request.controller.signal);
      if (request.cancelled) return;
      this.store(request, items);
    } catch (error) {
      if (!request.cancelled && !isAbort(error)) this.release(request);
    } finally {
      this.inflight.delete(request);
      this.pump();
    }
  }

  /**
   * File a request's photos under their buckets.
   * @param {Request} request
   * @param {Item[]} items
   */
  store(request, items) {
    const { parts } = request;
    if (parts.length === 1) {
      this.fill(parts[0], items);
    } else {
      /** @type {Map<string, Item[]>} */
      const byKey = new Map();
      for (const item of items) {
        const key = this.source.keyOf(item);
        const list = byKey.get(key);
        if (list) list.push(item);
        else byKey.set(key, [item]);
      }
      let whole = true;
      for (const part of parts) {
        const got = byKey.get(part.key) ?? [];
        if (got.length === part.limit) this.fill(part, got);
        else {
          whole = false;
          this.solo.add(part.key);
          if (part.bucket.pages[part.page] === LOADING) part.bucket.pages[part.page] = this.pageState(part);
        }
      }
      // Joint requests that keep missing mean the list moved under them, or keys
      // are grouped differently than assumed: load bucket by bucket from then on.
      if (!whole) {
        this.misses += 1;
        if (this.misses >= 3) this.runs = false;
        this.want(this.window[0], this.window[1], this.center, this.window[0], this.window[1]);
      }
    }
    this.evict();
    this.onLoad();
  }

  /**
   * @param {Part} part
   * @param {Item[]} items
   */
  fill(part, items) {
    const { bucket } = part;
    if (this.data.get(part.key) !== bucket) return;
    const n = Math.min(items.length, part.limit);
    for (let i = 0; i < n; i += 1) {
      const old = bucket.items[part.offset + i];
      if (!old) this.held += 1;
      else if (this.byHash.get(old.hothash) === old) this.byHash.delete(old.hothash);
      bucket.items[part.offset + i] = items[i];
      this.byHash.set(items[i].hothash, items[i]);
    }
    bucket.pages[part.page] = LOADED;
  }

  /** @param {Request} request */
  cancel(request) {
    request.cancelled = true;
    request.controller.abort();
    this.inflight.delete(request);
    this.release(request);
  }

  /** @param {Request} request back to not loaded, so a later plan asks again */
  release(request) {
    for (const part of request.parts) {
      if (part.bucket.pages[part.page] === LOADING) part.bucket.pages[part.page] = this.pageState(part);
    }
  }

  /**
   * @param {Part} part a page no request is loading any more
   * @returns {number} STALE when it still holds photos to show, else EMPTY
   */
  pageState(part) {
    return part.bucket.items[part.offset] ? STALE : EMPTY;
  }

  /**
   * Fetch every page again as it comes into view, showing the old photos meanwhile:
   * photos may have changed without the buckets changing (edits from elsewhere).
   */
  revalidate() {
    for (const bucket of this.data.values()) {
      for (let p = 0; p < bucket.pages.length; p += 1) if (bucket.pages[p] === LOADED) bucket.pages[p] = STALE;
    }
  }

  // Drop the pages farthest from the viewport until the cache is well under its cap.
  evict() {
    if (this.held <= this.maxItems) return;
    const [keepFirst, keepLast] = this.window;
    /** @type {{bucket: BucketData, page: number, d: number}[]} */
    const pages = [];
    for (let s = 0; s < this.keys.length; s += 1) {
      const bucket = /** @type {BucketData} */ (this.data.get(this.keys[s]));
      for (let p = 0; p < bucket.pages.length; p += 1) {
        if (bucket.pages[p] !== LOADED && bucket.pages[p] !== STALE) continue;
        const first = this.starts[s] + p * PAGE;
        const last = first + Math.min(PAGE, bucket.count - p * PAGE) - 1;
        if (last >= keepFirst && first <= keepLast) continue;
        pages.push({ bucket, page: p, d: Math.min(Math.abs(first - this.center), Math.abs(last - this.center)) });
      }
    }
    pages.sort((a, b) => b.d - a.d);
    const target = this.maxItems * 0.75;
    for (const { bucket, page } of pages) {
      if (this.held <= target) break;
      const end = Math.min(bucket.count, (page + 1) * PAGE);
      for (let i = page * PAGE; i < end; i += 1) {
        const item = bucket.items[i];
        if (!item) continue;
        bucket.items[i] = undefined;
        this.held -= 1;
        if (this.byHash.get(item.hothash) === item) this.byHash.delete(item.hothash);
      }
      bucket.pages[page] = EMPTY;
    }
  }

  /** Cancel everything in flight (the list is being replaced). */
  close() {
    for (const request of [...this.inflight]) this.cancel(request);
    this.queue = [];
  }
}

/**
 * @typedef {object} Part one bucket page of a request
 * @property {string} key
 * @property {BucketData} bucket
 * @property {number} page
 * @property {number} offset within the bucket
 * @property {number} limit
 * @property {number} start list index of its first photo
 */

class Request {
  /**
   * @param {Part[]} parts
   * @param {boolean} joinable
   * @param {number} nextSection
   */
  constructor(parts, joinable, nextSection) {
    this.parts = parts;
    this.joinable = joinable;
    this.nextSection = nextSection;
    this.size = parts[0].limit;
    this.first = parts[0].start;
    this.last = parts[0].start + parts[0].limit - 1;
    this.cancelled = false;
    this.controller = new AbortController();
  }
}

/** @param {Request} request @param {number} center */
function distance(request, center) {
  if (center < request.first) return request.first - center;
  if (center > request.last) return center - request.last;
  return 0;
}
