// A collection's items as a strip of fixed-size tiles: photos with their caption, text
// cards with their title and text. Each tile is its own element, kept per item id and
// rendered by lit-html; a new order moves only the tiles that must move (so a drag's
// tile stays where it was dropped, and the focused tile keeps its focus). Dragging is
// SortableJS's (loaded with the view); the strip reports drops, keyboard moves, caption
// edits, removals and the selection, and the view decides and saves.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import Sortable from '../vendor/sortablejs/sortable.esm.js';

/**
 * @typedef {object} CollectionItem an item as `GET /api/collections/{id}/items` lists it
 * @property {string} id
 * @property {number} position
 * @property {string} caption
 * @property {string|null} hothash
 * @property {string|null} hotpreview_b64
 * @property {{id: string, title: string, body: string}|null} text_item
 */

/**
 * @typedef {object} StripHandlers
 * @property {(id: string, index: number) => void} onDrop a tile was dragged to `index`
 *   (already there on screen)
 * @property {(id: string, step: -1|1) => void} onStep Alt+arrow on a tile
 * @property {(id: string, caption: string) => void} onCaption
 * @property {(ids: string[]) => void} onRemove
 * @property {(id: string) => void} onEditCard
 * @property {() => void} onSelection
 * @property {(busy: boolean) => void} onDrag a drag started or ended
 */

/** @typedef {{item: CollectionItem, selected: boolean, editing: boolean, stop: boolean}} Shown */

export class ItemStrip {
  /**
   * @param {boolean} editable
   * @param {StripHandlers} handlers
   */
  constructor(editable, handlers) {
    this.editable = editable;
    this.handlers = handlers;
    this.el = document.createElement('div');
    this.el.className = editable ? 'item-strip is-editable' : 'item-strip';
    this.el.setAttribute('role', 'list');
    this.el.setAttribute('aria-label', 'Items');
    /** @type {CollectionItem[]} */
    this.items = [];
    /** @type {Map<string, HTMLElement>} */
    this.tiles = new Map();
    /** @type {Map<string, Shown>} what each tile shows now */
    this.shown = new Map();
    /** @type {Set<string>} */
    this.selection = new Set();
    /** @type {string|null} the tile that is the tab stop */
    this.stop = null;
    /** @type {string|null} the tile that last had the focus (null: none yet) */
    this.touched = null;
    /** @type {string|null} the tile whose caption is being edited */
    this.editing = null;
    /** @type {string|null} where a shift-click range starts */
    this.anchor = null;
    this.el.addEventListener('click', (e) => this.onClick(e));
    this.el.addEventListener('keydown', (e) => this.onKey(e));
    this.el.addEventListener('change', (e) => this.onChange(e));
    this.el.addEventListener('focusin', (e) => this.onFocus(e));
    this.el.addEventListener('focusout', (e) => this.onBlur(e));
    /** @type {Sortable|null} */
    this.sortable = editable
      ? Sortable.create(this.el, {
          animation: matchMedia('(prefers-reduced-motion: reduce)').matches ? 0 : 150,
          // Pointer events rather than native drag and drop: the same on every browser,
          // with a tile following the pointer.
          forceFallback: true,
          fallbackTolerance: 4,
          draggable: '.item',
          filter: 'button, input, textarea',
          preventOnFilter: false,
          ghostClass: 'is-ghost',
          chosenClass: 'is-chosen',
          dragClass: 'is-dragged',
          onStart: () => handlers.onDrag(true),
          onEnd: (evt) => {
            const id = /** @type {HTMLElement} */ (evt.item).dataset.itemId ?? '';
            if (evt.oldDraggableIndex !== evt.newDraggableIndex) handlers.onDrop(id, evt.newDraggableIndex ?? 0);
            handlers.onDrag(false);
          },
        })
      : null;
  }

  /**
   * Show these items in this order; tiles of items kept stay (moved only if they must).
   * @param {CollectionItem[]} items
   * @param {number} offset the first item's place in the whole collection
   * @param {number} total items in the whole collection
   */
  setItems(items, offset = 0, total = items.length) {
    const focused = this.el.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement) : null;
    this.items = items;
    const ids = new Set(items.map((i) => i.id));
    for (const id of this.selection) if (!ids.has(id)) this.selection.delete(id);
    if (this.stop && !ids.has(this.stop)) this.stop = null;
    if (this.touched && !ids.has(this.touched)) this.touched = null;
    if (this.editing && !ids.has(this.editing)) this.editing = null;
    if (!this.stop && items.length > 0) this.stop = items[0].id;
    for (const [id, tile] of this.tiles) {
      if (!ids.has(id)) {
        tile.remove();
        this.tiles.delete(id);
        this.shown.delete(id);
      }
    }
    const wanted = items.map((item) => this.tile(item));
    this.arrange(wanted);
    for (let i = 0; i < wanted.length; i += 1) {
      const place = String(offset + i + 1);
      if (wanted[i].getAttribute('aria-posinset') !== place) wanted[i].setAttribute('aria-posinset', place);
      if (wanted[i].getAttribute('aria-setsize') !== String(total)) wanted[i].setAttribute('aria-setsize', String(total));
    }
    if (focused && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
      focused.scrollIntoView({ block: 'nearest' });
    }
  }

  /**
   * The tile of an item, made or brought up to date.
   * @param {CollectionItem} item
   */
  tile(item) {
    let tile = this.tiles.get(item.id);
    if (!tile) {
      tile = document.createElement('div');
      tile.className = item.hothash ? 'item' : 'item is-text';
      tile.setAttribute('role', 'listitem');
      tile.dataset.itemId = item.id;
      if (item.hothash) tile.dataset.itemHothash = item.hothash;
      this.tiles.set(item.id, tile);
    }
    this.paint(item, tile);
    return tile;
  }

  /**
   * Render a tile again if what it shows changed.
   * @param {CollectionItem} item
   * @param {HTMLElement} tile
   */
  paint(item, tile) {
    const next = {
      item,
      selected: this.selection.has(item.id),
      editing: this.editing === item.id,
      stop: this.stop === item.id,
    };
    const before = this.shown.get(item.id);
    if (before && sameItem(before.item, item) && before.selected === next.selected && before.editing === next.editing && before.stop === next.stop) {
      return;
    }
    this.shown.set(item.id, next);
    tile.tabIndex = next.stop ? 0 : -1;
    tile.classList.toggle('is-selected', next.selected);
    render(this.template(next), tile);
  }

  /** @param {Shown} shown */
  template({ item, selected, editing, stop }) {
    const tab = stop ? '0' : '-1';
    const card = item.text_item;
    return html`${this.editable
        ? html`<input
            type="checkbox"
            class="item-check"
            tabindex=${tab}
            aria-label="Select"
            .checked=${selected}
          />`
        : nothing}
      ${card
        ? html`<div class="item-card">
            <span class="visually-hidden">Text card: </span>
            <span class="item-card-title">${card.title}</span>
            <span class="item-card-body">${card.body}</span>
          </div>`
        : html`<div class="item-picture">
            <img alt="Photo" loading="lazy" decoding="async" draggable="false" src=${`data:image/jpeg;base64,${item.hotpreview_b64}`} />
          </div>`}
      <div class="item-caption">
        ${editing
          ? html`<input
              type="text"
              class="caption-input"
              maxlength="10000"
              aria-label="Caption"
              placeholder="Caption"
              .value=${item.caption}
            />`
          : this.editable
            ? html`<button
                type="button"
                class="caption-text ${item.caption ? '' : 'is-empty'}"
                tabindex=${tab}
                data-action="caption"
                aria-label=${item.caption ? 'Edit the caption' : 'Add a caption'}
                title="Edit the caption (Enter)"
              >
                ${item.caption || 'Add a caption'}
              </button>`
            : html`<span class="caption-text ${item.caption ? '' : 'is-empty'}">${item.caption}</span>`}
      </div>
      ${this.editable
        ? html`<span class="item-tools">
            ${card
              ? html`<button type="button" class="item-tool" tabindex=${tab} data-action="card" aria-label="Edit the text card" title="Edit the text card">✎</button>`
              : nothing}
            <button type="button" class="item-tool" tabindex=${tab} data-action="remove" aria-label="Remove from the collection" title="Remove from the collection (Delete)">×</button>
          </span>`
        : nothing}`;
  }

  /**
   * Put the tiles in this order, moving as few as possible: the longest run already in
   * order stays put.
   * @param {HTMLElement[]} wanted
   */
  arrange(wanted) {
    if (this.el.childElementCount === 0) {
      const fragment = document.createDocumentFragment();
      fragment.append(...wanted);
      this.el.append(fragment);
      return;
    }
    /** @type {Map<Element, number>} */
    const at = new Map();
    let i = 0;
    for (const child of this.el.children) at.set(child, i++);
    const stays = longestRun(wanted.map((tile) => at.get(tile) ?? -1));
    /** @type {Element|null} */
    let anchor = null;
    for (let k = wanted.length - 1; k >= 0; k -= 1) {
      if (!stays.has(k)) this.el.insertBefore(wanted[k], anchor);
      anchor = wanted[k];
    }
  }

  /** @param {string} id @returns {number} its index in the strip, -1 if not there */
  indexOf(id) {
    return this.items.findIndex((i) => i.id === id);
  }

  /** @param {CollectionItem} item show this item's new values */
  update(item) {
    const at = this.indexOf(item.id);
    if (at < 0) return;
    this.items[at] = item;
    const tile = this.tiles.get(item.id);
    if (tile) this.paint(item, tile);
  }

  /** @param {string[]} ids refresh these tiles (selection, tab stop, editing) */
  repaint(ids) {
    for (const id of ids) {
      const tile = this.tiles.get(id);
      const item = this.items[this.indexOf(id)];
      if (tile && item) this.paint(item, tile);
    }
  }

  /** @param {string} id focus its tile (and make it the tab stop) */
  focus(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    this.setStop(id);
    tile.focus({ preventScroll: true });
    tile.scrollIntoView({ block: 'nearest' });
  }

  /** @param {string} id */
  setStop(id) {
    if (this.stop === id) return;
    const before = this.stop;
    this.stop = id;
    this.repaint(before ? [before, id] : [id]);
  }

  /** @param {Iterable<string>} ids the new selection */
  select(ids) {
    const changed = new Set([...this.selection, ...ids]);
    this.selection = new Set(ids);
    this.repaint([...changed]);
    this.handlers.onSelection();
  }

  /** @returns {string[]} the selected ids in strip order */
  selected() {
    return this.items.filter((i) => this.selection.has(i.id)).map((i) => i.id);
  }

  /** @param {string} id start editing its caption */
  editCaption(id) {
    if (!this.editable) return;
    const before = this.editing;
    this.editing = id;
    this.repaint(before ? [before, id] : [id]);
    const input = /** @type {HTMLInputElement|null} */ (this.tiles.get(id)?.querySelector('.caption-input') ?? null);
    input?.focus();
    input?.select();
  }

  /**
   * Stop editing: save (unless cancelled) and give the tile the focus back.
   * @param {boolean} save
   * @param {boolean} refocus
   */
  endCaption(save, refocus) {
    const id = this.editing;
    if (!id) return;
    const tile = this.tiles.get(id);
    const input = /** @type {HTMLInputElement|null} */ (tile?.querySelector('.caption-input') ?? null);
    const value = input?.value.trim() ?? '';
    this.editing = null;
    this.repaint([id]);
    if (refocus) this.focus(id);
    const item = this.items[this.indexOf(id)];
    if (save && item && value !== item.caption) this.handlers.onCaption(id, value);
  }

  /** @param {MouseEvent} event */
  onClick(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    const tile = /** @type {HTMLElement|null} */ (target.closest('.item'));
    const id = tile?.dataset.itemId;
    if (!tile || !id) return;
    const action = /** @type {HTMLElement|null} */ (target.closest('[data-action]'))?.dataset.action;
    if (action === 'caption') this.editCaption(id);
    else if (action === 'remove') this.handlers.onRemove(this.selection.has(id) ? this.selected() : [id]);
    else if (action === 'card') this.handlers.onEditCard(id);
    else if (target.closest('input')) return;
    else this.clickSelect(id, event);
  }

  /**
   * A click on a tile: only it (plain), one more or less (Ctrl/⌘), or a range (Shift).
   * @param {string} id
   * @param {MouseEvent} event
   */
  clickSelect(id, event) {
    this.focus(id);
    if (!this.editable) return;
    if (event.shiftKey && this.anchor) {
      const a = this.indexOf(this.anchor);
      const b = this.indexOf(id);
      const [from, to] = a < b ? [a, b] : [b, a];
      this.select(this.items.slice(from, to + 1).map((i) => i.id));
      return;
    }
    this.anchor = id;
    if (event.ctrlKey || event.metaKey) {
      const next = new Set(this.selection);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      this.select(next);
    } else {
      this.select(this.selection.size === 1 && this.selection.has(id) ? [] : [id]);
    }
  }

  /** @param {Event} event a checkbox changed */
  onChange(event) {
    const box = /** @type {HTMLInputElement} */ (event.target);
    const id = /** @type {HTMLElement|null} */ (box.closest('.item'))?.dataset.itemId;
    if (!id || !box.classList.contains('item-check')) return;
    const next = new Set(this.selection);
    if (box.checked) next.add(id);
    else next.delete(id);
    this.anchor = id;
    this.select(next);
  }

  /** @param {FocusEvent} event */
  onFocus(event) {
    const tile = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (event.target).closest('.item'));
    if (!tile?.dataset.itemId) return;
    this.touched = tile.dataset.itemId;
    this.setStop(tile.dataset.itemId);
  }

  /** @param {FocusEvent} event */
  onBlur(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    // A caption is saved when its field loses the focus (unless a key already ended it).
    if (target.classList.contains('caption-input') && this.editing) this.endCaption(true, false);
  }

  /** @param {KeyboardEvent} event */
  onKey(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.classList.contains('caption-input')) {
      if (event.key === 'Enter' || event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.endCaption(event.key === 'Enter', true);
      }
      return;
    }
    const tile = /** @type {HTMLElement|null} */ (target.closest('.item'));
    const id = tile?.dataset.itemId;
    // Keys act on a focused tile; its buttons and checkbox keep their own.
    if (!tile || !id || target !== tile || event.ctrlKey || event.metaKey) return;
    const at = this.indexOf(id);
    if (event.altKey) {
      if (!this.editable || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
      this.handlers.onStep(id, event.key === 'ArrowLeft' ? -1 : 1);
    } else {
      const columns = this.columns();
      /** @type {Record<string, number>} */
      const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, ArrowUp: at - columns, ArrowDown: at + columns, Home: 0, End: this.items.length - 1 };
      if (event.key in moves) {
        const next = this.items[Math.max(0, Math.min(this.items.length - 1, moves[event.key]))];
        if (next) this.focus(next.id);
      } else if (!this.editable) {
        return;
      } else if (event.key === ' ') {
        const next = new Set(this.selection);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        this.anchor = id;
        this.select(next);
      } else if (event.key === 'Enter' || event.key === 'F2') {
        this.editCaption(id);
      } else if (event.key === 'Delete' || event.key === 'Backspace') {
        this.handlers.onRemove(this.selection.has(id) ? this.selected() : [id]);
      } else if (event.key === 'Escape' && this.selection.size > 0) {
        this.select([]);
      } else {
        return;
      }
    }
    event.preventDefault();
    event.stopPropagation();
  }

  /** @returns {number} tiles per row */
  columns() {
    const first = this.el.firstElementChild;
    if (!first) return 1;
    const width = first.getBoundingClientRect().width;
    const gap = parseFloat(getComputedStyle(this.el).columnGap) || 0;
    return Math.max(1, Math.floor((this.el.clientWidth + gap) / (width + gap)));
  }

  destroy() {
    this.sortable?.destroy();
    this.el.remove();
  }
}

/**
 * @param {CollectionItem} a
 * @param {CollectionItem} b
 * @returns {boolean} whether both show the same
 */
function sameItem(a, b) {
  if (a === b) return true;
  return (
    a.caption === b.caption &&
    a.hothash === b.hothash &&
    a.text_item?.title === b.text_item?.title &&
    a.text_item?.body === b.text_item?.body
  );
}

/**
 * Which entries of a sequence form its longest increasing run (entries < 0 never do).
 * @param {number[]} seq
 * @returns {Set<number>} their indexes
 */
function longestRun(seq) {
  /** @type {number[]} index in seq of the smallest tail of a run of each length */
  const tails = [];
  /** @type {number[]} */
  const previous = new Array(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i += 1) {
    if (seq[i] < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < seq[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const run = new Set();
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = previous[k]) run.add(k);
  return run;
}
