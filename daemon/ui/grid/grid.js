// The virtualised timeline grid. A constant set of tile and header elements is
// recycled as the view scrolls: only what is near the viewport exists in the DOM,
// positioned from the pure layout. Photos come from the browsing model's
// page cache, fetched for what is near the viewport once scrolling slows down.
//
// Focus is real DOM focus on a tile (a roving tabindex in a listbox), so the focused
// tile is never recycled while it has focus, even when scrolled far away.

import { bucketLabel, count, ratingText, wallTime } from '../format.js';
import { toast } from '../store.js';
import { SELECT_MAX } from './model.js';
import {
  buildLayout,
  forEachVisible,
  indexAt,
  maxScrollHeight,
  scrollMapping,
  sectionOf,
  tilePosition,
  verticalNeighbour,
} from './layout.js';

const GEOMETRY = { gap: 4, headerHeight: 44, sectionGap: 12, padding: 16, blockMin: 252, blockGap: 28 };
const FREE_MAX = 120;
// Scrolling faster than this many viewports per frame is a fling: fetch when it slows.
const FLING = 0.5;
const SETTLE_MS = 70;
const SCROLL_END_MS = 150;
// Tile pictures started per frame: each data: URL is decoded from base64 on the main
// thread, so a page of photos arriving at once is spread over a few frames.
const IMAGES_PER_FRAME = 14;

/** @typedef {import('./model.js').Browse} Browse */
/** @typedef {import('./pages.js').Item} Item */

class Tile {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'tile';
    this.el.setAttribute('role', 'option');
    this.el.tabIndex = -1;
    this.img = document.createElement('img');
    this.img.alt = '';
    this.img.draggable = false;
    this.img.decoding = 'async';
    this.el.append(this.img);
    /** @type {HTMLElement|null} */
    this.badge = null;
    this.index = -1;
    /** @type {Item|undefined} */
    this.item = undefined;
    /** @type {string|null} */
    this.hash = null;
    this.version = -1;
    this.x = NaN;
    this.y = NaN;
    /** @type {Map<string, string>} */
    this.attributes = new Map();
  }

  /**
   * Set an attribute unless it has that value already (kept here: reading the DOM back
   * costs more than comparing).
   * @param {string} name
   * @param {string} value
   */
  set(name, value) {
    if (this.attributes.get(name) === value) return;
    this.attributes.set(name, value);
    this.el.setAttribute(name, value);
  }

  /**
   * Place the tile, by left and top: a transform would give each tile a paint property
   * node of its own, which costs more per frame than laying out fixed-size boxes.
   * @param {number} x
   * @param {number} y
   */
  move(x, y) {
    if (x !== this.x) this.el.style.left = `${(this.x = x)}px`;
    if (y !== this.y) this.el.style.top = `${(this.y = y)}px`;
  }
}

class Header {
  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'section-header';
    this.el.setAttribute('aria-hidden', 'true');
    this.label = document.createElement('span');
    this.label.className = 'section-label';
    this.count = document.createElement('span');
    this.count.className = 'section-count';
    this.el.append(this.label, this.count);
    this.section = -1;
    this.key = '';
    this.x = NaN;
    this.y = NaN;
  }
}

/**
 * @typedef {object} GridOptions
 * @property {(index: number) => void} onOpen open a photo in the loupe
 * @property {(index: number) => void} onStack open a collapsed stack in place, or close an open one
 */

export class Grid extends EventTarget {
  /**
   * @param {Browse} model
   * @param {GridOptions} options
   */
  constructor(model, options) {
    super();
    this.model = model;
    this.options = options;
    this.tileTarget = 168;
    this.trash = false;
    this.scroller = document.createElement('div');
    this.scroller.className = 'grid-scroller';
    this.scroller.setAttribute('role', 'listbox');
    this.scroller.setAttribute('aria-multiselectable', 'true');
    this.scroller.setAttribute('aria-label', 'Photos');
    this.canvas = document.createElement('div');
    this.canvas.className = 'grid-canvas';
    this.scroller.append(this.canvas);
    /** @type {import('./layout.js').Layout|null} */
    this.layout = null;
    this.mapping = scrollMapping(0, 0, 1);
    this.width = 0;
    this.height = 0;
    /** @type {Map<number, Tile>} */
    this.tiles = new Map();
    /** @type {Tile[]} */
    this.free = [];
    /** @type {Map<number, Header>} */
    this.headers = new Map();
    /** @type {Header[]} */
    this.freeHeaders = [];
    /** @type {WeakMap<Element, Tile>} */
    this.tileOf = new WeakMap();
    this.version = 0;
    this.frame = 0;
    this.tabStop = -1;
    this.lastTop = 0;
    this.plannedTop = -Infinity;
    this.jumped = false;
    this.settle = 0;
    this.scrolling = false;
    this.scrollEnd = 0;
    this.budget = IMAGES_PER_FRAME;
    this.more = false;
    this.unlisten = [
      on(this.model, 'buckets', (e) => this.rebuild(/** @type {CustomEvent} */ (e).detail.reset)),
      on(this.model, 'items', () => {
        this.version += 1;
        this.schedule();
      }),
      on(this.model, 'selection', () => this.paintAll()),
      on(this.model, 'focus', () => this.paintAll()),
      on(this.scroller, 'scroll', () => this.onScroll()),
      on(this.scroller, 'keydown', (e) => this.onKey(/** @type {KeyboardEvent} */ (e))),
      on(this.scroller, 'click', (e) => this.onClick(/** @type {MouseEvent} */ (e))),
      on(this.scroller, 'dblclick', (e) => this.onDoubleClick(/** @type {MouseEvent} */ (e))),
      on(this.scroller, 'focusin', (e) => this.onFocus(/** @type {FocusEvent} */ (e))),
    ];
    this.resizer = new ResizeObserver(() => this.measure());
    this.resizer.observe(this.scroller);
  }

  /** Stop listening; the element is the caller's to remove. */
  destroy() {
    for (const off of this.unlisten) off();
    this.resizer.disconnect();
    cancelAnimationFrame(this.frame);
    clearTimeout(this.settle);
    clearTimeout(this.scrollEnd);
  }

  /** @param {number} px wished tile size */
  setTileSize(px) {
    if (px === this.tileTarget) return;
    this.tileTarget = px;
    this.relayout();
  }

  /**
   * What kind of list this is, for the marks tiles carry.
   * @param {boolean} trash the trash (no "deleted" marks then)
   * @param {string} files "" or the state every photo's master file is in
   */
  setList(trash, files) {
    this.trash = trash;
    if (files === 'offline' || files === 'missing') this.canvas.dataset.marker = files;
    else delete this.canvas.dataset.marker;
    this.version += 1;
    this.schedule();
  }

  measure() {
    const width = this.scroller.clientWidth;
    const height = this.scroller.clientHeight;
    if (width === this.width && height === this.height) return;
    const widthChanged = width !== this.width;
    this.width = width;
    this.height = height;
    if (widthChanged) this.relayout();
    else {
      this.mapping = this.map();
      this.schedule();
    }
  }

  /** @returns {import('./layout.js').ScrollMapping} */
  map() {
    const height = this.layout ? this.layout.height : 0;
    return scrollMapping(height, this.height, maxScrollHeight(window.devicePixelRatio || 1));
  }

  /** A new geometry (width, tile size): the first visible photo stays where it is. */
  relayout() {
    const anchor = this.anchor();
    this.build();
    this.restore(anchor);
  }

  /**
   * New buckets from the model.
   * @param {boolean} reset new filters: start at the top
   */
  rebuild(reset) {
    if (reset || !this.layout) {
      this.build();
      this.scroller.scrollTop = 0;
      this.render();
      return;
    }
    // The anchor is found in the old layout and located again by its bucket key and
    // place in it, which photos arriving in other buckets do not change (nor a stack
    // opening after it: the photos before it keep their places).
    const anchor = this.anchor();
    const old = this.layout;
    const section = anchor ? sectionOf(old, anchor.index) : -1;
    const place = anchor && section >= 0 ? { key: old.keys[section], local: anchor.index - old.starts[section] } : null;
    this.build();
    if (anchor && place && this.layout) this.restore({ ...anchor, index: indexOfPlace(this.layout, place) });
    else this.render();
  }

  build() {
    if (!this.model.buckets || this.width === 0) {
      this.layout = null;
    } else {
      this.layout = buildLayout(this.model.buckets, {
        ...GEOMETRY,
        width: this.width,
        tileTarget: this.tileTarget,
      });
    }
    this.mapping = this.map();
    this.plannedTop = -Infinity;
    this.canvas.style.height = `${this.mapping.spacer}px`;
    if (this.layout) {
      this.canvas.style.setProperty('--tile', `${this.layout.tile}px`);
    }
    for (const header of this.headers.values()) header.key = '';
    this.version += 1;
    this.dispatchEvent(new CustomEvent('layout'));
  }

  /** @returns {{index: number, dy: number}|null} the first visible photo and its offset */
  anchor() {
    if (!this.layout || this.layout.total === 0) return null;
    const top = this.top();
    const index = indexAt(this.layout, top);
    const position = tilePosition(this.layout, index);
    return position ? { index, dy: position.y - top } : null;
  }

  /** @param {{index: number, dy: number}|null} anchor */
  restore(anchor) {
    if (anchor && this.layout && anchor.index >= 0) {
      const position = tilePosition(this.layout, anchor.index);
      if (position) this.scroller.scrollTop = this.mapping.toScroll(position.y - anchor.dy);
    }
    this.render();
  }

  /** @returns {number} the content position at the viewport's top */
  top() {
    return this.mapping.toContent(this.scroller.scrollTop);
  }

  /**
   * @param {number} y content position to show at the top
   * @param {boolean} [jump] a jump (not a drag): fetch for the new place at once
   */
  scrollToContent(y, jump = true) {
    this.scroller.scrollTop = this.mapping.toScroll(y);
    this.jumped = jump;
    this.render();
  }

  /**
   * Bring a photo into view.
   * @param {number} index
   * @param {'nearest'|'center'} [align]
   */
  scrollToIndex(index, align = 'nearest') {
    if (!this.layout) return;
    const p = tilePosition(this.layout, index);
    if (!p) return;
    const top = this.top();
    const { tile, headerHeight } = this.layout;
    let y = top;
    if (align === 'center') y = p.y - (this.height - tile) / 2;
    else if (p.y - headerHeight < top) y = p.y - headerHeight;
    else if (p.y + tile > top + this.height) y = p.y + tile + GEOMETRY.gap - this.height;
    if (y !== top) this.scrollToContent(y);
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  onScroll() {
    this.schedule();
    // No hover or hit-testing of tiles while scrolling: each scrolled frame would
    // otherwise look for what is under a pointer that did not move.
    if (!this.scrolling) {
      this.scrolling = true;
      this.scroller.classList.add('is-scrolling');
    }
    clearTimeout(this.scrollEnd);
    this.scrollEnd = setTimeout(() => {
      this.scrolling = false;
      this.scroller.classList.remove('is-scrolling');
    }, SCROLL_END_MS);
  }

  /** Place and paint what the viewport shows, and ask for what it will show. */
  render() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const layout = this.layout;
    if (!layout) {
      this.recycleAll();
      return;
    }
    const scrollTop = this.scroller.scrollTop;
    const top = this.mapping.toContent(scrollTop);
    this.tabStop = this.model.focus >= 0 ? this.model.focus : indexAt(layout, top);
    const offset = scrollTop - top;
    const vh = this.height;
    /** @type {number[]} */
    const wanted = [];
    /** @type {Map<number, Header>} */
    const headers = new Map();
    /** @type {number[]} */
    const wantedHeaders = [];
    forEachVisible(
      layout,
      top - vh * 0.5,
      top + vh * 1.5,
      (section, x, y) => {
        const header = this.headers.get(section);
        if (header) {
          this.headers.delete(section);
          headers.set(section, header);
        }
        wantedHeaders.push(section, x, y);
      },
      (index, x, y) => {
        wanted.push(index, x, y);
      },
    );
    for (const header of this.headers.values()) {
      header.el.hidden = true;
      this.freeHeaders.push(header);
    }
    for (let k = 0; k < wantedHeaders.length; k += 3) {
      const section = wantedHeaders[k];
      const header = headers.get(section) ?? this.takeHeader();
      headers.set(section, header);
      this.paintHeader(header, section, wantedHeaders[k + 1], wantedHeaders[k + 2] + offset);
    }
    this.headers = headers;

    /** @type {Map<number, Tile>} */
    const tiles = new Map();
    for (let k = 0; k < wanted.length; k += 3) {
      const tile = this.tiles.get(wanted[k]);
      if (tile) {
        this.tiles.delete(wanted[k]);
        tiles.set(wanted[k], tile);
      }
    }
    // The focused photo's tile stays, wherever it is, so DOM focus is never lost.
    const focus = this.model.focus;
    const pinned = !tiles.has(focus) ? this.tiles.get(focus) : undefined;
    if (pinned) {
      this.tiles.delete(focus);
      tiles.set(focus, pinned);
      const p = tilePosition(layout, focus);
      if (p) pinned.move(p.x, p.y + offset);
    }
    for (const tile of this.tiles.values()) this.release(tile);
    /** @type {Tile[]} */
    const later = [];
    this.budget = IMAGES_PER_FRAME;
    this.more = false;
    for (let k = 0; k < wanted.length; k += 3) {
      const index = wanted[k];
      let tile = tiles.get(index);
      if (!tile) {
        tile = this.takeTile();
        tile.index = index;
        tiles.set(index, tile);
      }
      const y = wanted[k + 2];
      tile.move(wanted[k + 1], y + offset);
      // What the viewport shows gets its pictures first.
      if (y + layout.tile > top && y < top + vh) this.paint(tile);
      else later.push(tile);
    }
    for (const tile of later) this.paint(tile);
    if (pinned) this.paint(pinned);
    this.tiles = tiles;
    this.trimPools();
    if (this.more) this.schedule();
    this.fetch(top, vh);
    this.dispatchEvent(new CustomEvent('viewport', { detail: { top, height: vh } }));
  }

  /**
   * Ask the cache for the photos near the viewport: each time the view has moved a
   * quarter screen, and once it stops; during a fling only once it slows down, so
   * nothing is fetched for rows flown past.
   * @param {number} top
   * @param {number} vh
   */
  fetch(top, vh) {
    const moved = Math.abs(top - this.lastTop);
    this.lastTop = top;
    clearTimeout(this.settle);
    const jumped = this.jumped;
    this.jumped = false;
    if (jumped || (moved <= vh * FLING && Math.abs(top - this.plannedTop) > vh / 4)) this.fetchNow();
    else this.settle = setTimeout(() => this.fetchNow(), SETTLE_MS);
  }

  fetchNow() {
    const layout = this.layout;
    if (!layout || layout.total === 0) return;
    // Where the last frame showed: reading scrollTop here would force a layout.
    const top = this.lastTop;
    this.plannedTop = top;
    const vh = Math.max(1, this.height);
    const at = (y) => indexAt(layout, Math.max(0, y));
    // The band from a screen above to two below, nearest the middle of the view first.
    this.model.want(at(top - vh), at(top + 2 * vh), at(top + vh / 2), at(top - 4 * vh), at(top + 5 * vh));
  }

  takeTile() {
    const tile = this.free.pop();
    if (tile) {
      tile.el.hidden = false;
      return tile;
    }
    const created = new Tile();
    this.tileOf.set(created.el, created);
    this.canvas.append(created.el);
    return created;
  }

  /** @param {Tile} tile */
  release(tile) {
    tile.el.hidden = true;
    tile.index = -1;
    this.free.push(tile);
  }

  takeHeader() {
    const header = this.freeHeaders.pop();
    if (header) {
      header.el.hidden = false;
      return header;
    }
    const created = new Header();
    this.canvas.append(created.el);
    return created;
  }

  trimPools() {
    while (this.free.length > FREE_MAX) /** @type {Tile} */ (this.free.pop()).el.remove();
    while (this.freeHeaders.length > FREE_MAX / 4) /** @type {Header} */ (this.freeHeaders.pop()).el.remove();
  }

  recycleAll() {
    for (const tile of this.tiles.values()) this.release(tile);
    this.tiles.clear();
    for (const header of this.headers.values()) {
      header.el.hidden = true;
      this.freeHeaders.push(header);
    }
    this.headers.clear();
  }

  /**
   * @param {Header} header
   * @param {number} section
   * @param {number} x
   * @param {number} y
   */
  paintHeader(header, section, x, y) {
    const layout = /** @type {import('./layout.js').Layout} */ (this.layout);
    const key = layout.keys[section];
    if (header.key !== key || header.section !== section) {
      header.key = key;
      header.section = section;
      header.label.textContent = bucketLabel(key);
      header.count.textContent = ` · ${count(layout.counts[section])}`;
      header.el.dataset.key = key;
      header.el.style.width = `${layout.spans[section]}px`;
    }
    if (header.x !== x) header.el.style.left = `${(header.x = x)}px`;
    if (header.y !== y) header.el.style.top = `${(header.y = y)}px`;
  }

  paintAll() {
    if (this.model.focus >= 0) this.tabStop = this.model.focus;
    this.budget = IMAGES_PER_FRAME;
    this.more = false;
    for (const tile of this.tiles.values()) this.paint(tile);
    if (this.more) this.schedule();
    this.focusTile();
  }

  /** @param {Tile} tile */
  paint(tile) {
    const model = this.model;
    const item = model.item(tile.index);
    const el = tile.el;
    if (item !== tile.item || tile.version !== this.version) {
      tile.item = item;
      tile.version = this.version;
      if (item && tile.hash !== item.hothash && this.budget <= 0) {
        // Enough pictures started for one frame: this one gets its own next frame.
        this.more = true;
        tile.version = -1;
        this.clear(tile);
      } else if (item) {
        if (tile.hash !== item.hothash) {
          this.budget -= 1;
          tile.hash = item.hothash;
          tile.img.src = `data:image/jpeg;base64,${item.hotpreview_b64}`;
          tile.set('data-hothash', item.hothash);
          el.classList.remove('is-empty');
        }
        tile.set('data-rating', item.rating ? String(item.rating) : '');
        tile.set('data-rotation', item.rotation ? String(item.rotation) : '');
        el.classList.toggle('is-deleted', Boolean(item.deleted_at) && !this.trash);
        this.paintStack(tile, item);
      } else {
        this.clear(tile);
      }
      tile.set('aria-posinset', String(tile.index + 1));
      tile.set('aria-setsize', String(this.layout?.total ?? 0));
    }
    tile.set('aria-selected', item && model.selection.has(item.hothash) ? 'true' : 'false');
    const tabIndex = tile.index === this.tabStop ? 0 : -1;
    if (el.tabIndex !== tabIndex) el.tabIndex = tabIndex;
  }

  /** @param {Tile} tile show it as waiting for its photo */
  clear(tile) {
    if (tile.hash !== null) {
      tile.hash = null;
      tile.img.removeAttribute('src');
      tile.attributes.delete('data-hothash');
      tile.el.removeAttribute('data-hothash');
      tile.el.classList.add('is-empty');
      tile.el.classList.remove('is-deleted');
      tile.set('data-rating', '');
      tile.set('data-rotation', '');
      tile.set('data-stack', '');
      this.paintBadge(tile, 0, '');
    }
    tile.set('aria-label', 'Loading');
  }

  /**
   * A stack's marks: the collapsed list's photo of a stack carries its count (which
   * opens and closes it); an open stack's photos are grouped by a band.
   * @param {Tile} tile
   * @param {Item} item
   */
  paintStack(tile, item) {
    const { stack, member } = this.model.spot(tile.index);
    let size = item.stack_size && item.stack_size > 1 ? item.stack_size : 0;
    let state = '';
    let title = '';
    let text = `${wallTime(item.taken_at, 'day')}, ${ratingText(item.rating)}`;
    if (stack && member >= 0) {
      state = 'member';
      text += `, photo ${member + 2} of ${stack.members.length + 1} of an open stack`;
      size = 0;
    } else if (stack) {
      size = stack.members.length + 1;
      state = 'open';
      title = `Stack of ${size} photos, open: click (or press S) to close it`;
      text += `, cover of an open stack of ${size}: press S to close it`;
    } else if (size && !this.model.filters.stacks) {
      state = 'closed';
      title = `Stack of ${size} photos: click (or press S) to show them here`;
      text += `, stack of ${size}: press S to show its photos`;
    } else if (size) {
      // Every photo of a stack is in the list already: nothing to open.
      title = `In a stack of ${size} photos`;
      text += `, in a stack of ${size}`;
    }
    tile.set('data-stack', state);
    this.paintBadge(tile, size, title);
    tile.set('aria-label', text);
  }

  /**
   * @param {Tile} tile
   * @param {number} size 0: no badge
   * @param {string} title what it is and what a click does
   */
  paintBadge(tile, size, title) {
    if (size === 0) {
      if (tile.badge) tile.badge.hidden = true;
      return;
    }
    if (!tile.badge) {
      tile.badge = document.createElement('span');
      tile.badge.className = 'stack-badge';
      tile.el.append(tile.badge);
    }
    tile.badge.hidden = false;
    const text = String(size);
    if (tile.badge.textContent !== text) tile.badge.textContent = text;
    if (tile.badge.title !== title) tile.badge.title = title;
  }

  /** @returns {number} the first photo in view (as the last frame showed it) */
  firstVisible() {
    return this.layout && this.layout.total > 0 ? indexAt(this.layout, this.lastTop) : -1;
  }

  /** DOM focus follows the model's focus while the grid has it. */
  focusTile() {
    if (!this.scroller.contains(document.activeElement)) return;
    const tile = this.tiles.get(this.model.focus);
    if (tile && document.activeElement !== tile.el) tile.el.focus({ preventScroll: true });
  }

  /** Put DOM focus on the focused photo (or the first in view). */
  focus() {
    if (this.model.focus < 0) {
      const first = this.firstVisible();
      if (first < 0) {
        this.scroller.focus();
        return;
      }
      this.model.setFocus(first);
    }
    this.scrollToIndex(this.model.focus);
    this.render();
    this.tiles.get(this.model.focus)?.el.focus({ preventScroll: true });
  }

  /**
   * Move the focus, changing the selection as the keys or clicks asked.
   * @param {number} index
   * @param {'only'|'extend'|'keep'|'follow'} mode only: select just it; extend: the
   *   range from the anchor; keep: leave the selection; follow: select just it when
   *   something was selected
   */
  async moveFocus(index, mode) {
    const model = this.model;
    if (!this.layout || index < 0 || index >= this.layout.total) return;
    model.setFocus(index);
    this.scrollToIndex(index);
    this.render();
    this.tiles.get(index)?.el.focus({ preventScroll: true });
    if (mode === 'extend') {
      await this.selectRange(index);
      return;
    }
    const item = model.item(index);
    if (mode === 'keep' || (mode === 'follow' && model.selection.size === 0)) {
      if (mode === 'follow') model.anchor = index;
      return;
    }
    model.anchor = index;
    if (item) model.select([item.hothash]);
    else model.clearSelection();
  }

  /** @param {number} index select from the anchor to here, as the only selection */
  async selectRange(index) {
    const model = this.model;
    if (model.anchor < 0) model.anchor = index;
    const first = Math.min(model.anchor, index);
    const last = Math.max(model.anchor, index);
    try {
      const hashes = await model.hothashes(first, last);
      if (model.focus !== index) return;
      model.select(hashes);
      if (hashes.length < last - first + 1) {
        toast(`Selected the first ${count(hashes.length)} of ${count(last - first + 1)} photos: a selection holds at most ${count(SELECT_MAX)}.`);
      }
    } catch {
      // The banner or the sign-in page says why; the selection stays as it was.
    }
  }

  /** @param {KeyboardEvent} event */
  onKey(event) {
    const tile = this.tileOf.get(/** @type {Element} */ (event.target));
    if (!tile || !this.layout || event.altKey) return;
    const layout = this.layout;
    const index = tile.index;
    const mode = event.shiftKey ? 'extend' : event.ctrlKey || event.metaKey ? 'keep' : 'follow';
    // A range grows from where the focus was when none was started.
    if (event.shiftKey && this.model.anchor < 0) this.model.anchor = index;
    let next = -1;
    switch (event.key) {
      case 'ArrowRight':
        next = index + 1;
        break;
      case 'ArrowLeft':
        next = index - 1;
        break;
      case 'ArrowDown':
        next = verticalNeighbour(layout, index, 1);
        break;
      case 'ArrowUp':
        next = verticalNeighbour(layout, index, -1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = layout.total - 1;
        break;
      case 'PageDown':
      case 'PageUp': {
        const rows = Math.max(1, Math.floor(this.height / layout.rowHeight) - 1);
        next = index;
        for (let r = 0; r < rows; r += 1) next = verticalNeighbour(layout, next, event.key === 'PageDown' ? 1 : -1);
        break;
      }
      case ' ': {
        const item = this.model.item(index);
        if (item) {
          this.model.toggle(item.hothash);
          this.model.anchor = index;
        }
        event.preventDefault();
        return;
      }
      case 'Enter':
        event.preventDefault();
        this.options.onOpen(index);
        return;
      case 's':
      case 'S': {
        const stack = tile.attributes.get('data-stack');
        if (stack && !event.ctrlKey && !event.metaKey) {
          event.preventDefault();
          this.options.onStack(index);
        }
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    if (next >= 0 && next < layout.total && next !== index) this.moveFocus(next, mode);
  }

  /** @param {FocusEvent} event */
  onFocus(event) {
    const tile = this.tileOf.get(/** @type {Element} */ (event.target));
    if (tile && tile.index >= 0 && tile.index !== this.model.focus) this.model.setFocus(tile.index);
  }

  /** @param {MouseEvent} event */
  onClick(event) {
    const target = /** @type {Element} */ (event.target);
    const el = target.closest('.tile');
    const tile = el ? this.tileOf.get(el) : undefined;
    if (!tile || tile.index < 0) return;
    const item = this.model.item(tile.index);
    if (item && target.closest('.stack-badge') && tile.attributes.get('data-stack')) {
      this.options.onStack(tile.index);
      return;
    }
    if (event.shiftKey) {
      if (this.model.anchor < 0) this.model.anchor = this.model.focus >= 0 ? this.model.focus : tile.index;
      this.moveFocus(tile.index, 'extend');
    } else if (event.ctrlKey || event.metaKey) {
      this.model.setFocus(tile.index);
      this.model.anchor = tile.index;
      if (item) this.model.toggle(item.hothash);
    } else {
      this.moveFocus(tile.index, 'only');
    }
  }

  /** @param {MouseEvent} event */
  onDoubleClick(event) {
    const el = /** @type {Element} */ (event.target).closest('.tile');
    const tile = el ? this.tileOf.get(el) : undefined;
    if (tile && tile.index >= 0 && !/** @type {Element} */ (event.target).closest('.stack-badge')) {
      this.options.onOpen(tile.index);
    }
  }
}

/**
 * The index at a bucket's place in a layout, clamped to the bucket.
 * @param {import('./layout.js').Layout} layout
 * @param {{key: string, local: number}} place
 * @returns {number} -1 when the bucket is gone
 */
function indexOfPlace(layout, place) {
  const s = layout.keys.indexOf(place.key);
  if (s < 0) return -1;
  return layout.starts[s] + Math.min(place.local, Math.max(0, layout.counts[s] - 1));
}

/**
 * @param {EventTarget} target
 * @param {string} type
 * @param {(event: Event) => void} listener
 * @returns {() => void} removes the listener
 */
function on(target, type, listener) {
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}

