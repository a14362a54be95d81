// One collection: its items in order as tiles, reordered by dragging or Alt+arrows (each
// move saved as "these items, before that one", so two windows never lose or double an
// item: the later move wins), captions edited in place, text cards, removing, adding the
// library's selection, export. Up to WHOLE items load at once; a larger collection is
// shown a page at a time, with "Move to…" for moves between pages. Another window's
// changes come in on focus and when the item count changes.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { readOnly, toast } from '../store.js';
import { router } from '../shell.js';
import * as edits from '../edits.js';
import { lookups, reload } from '../lookups.js';
import { count, plural } from '../format.js';
import { confirm } from '../components/dialog.js';
import { formDialog, librarySelection, notice, text } from '../components/forms.js';
import { ItemStrip } from '../components/items.js';

/** @typedef {import('../components/items.js').CollectionItem} CollectionItem */

// Up to this many items load whole (and drag anywhere); more are shown by page.
const WHOLE = 2000;
const CHUNK = 1000;
const PAGE = 500;
const MOVE_MAX = 1000;
const POLL_MS = 5000;

/**
 * @param {HTMLElement} root
 * @param {import('../router.js').RouteContext} ctx
 * @returns {import('../router.js').MountedView}
 */
export default function mountCollection(root, ctx) {
  const id = ctx.params.id;
  const base = `/api/collections/${encodeURIComponent(id)}`;
  const editable = !readOnly();
  const el = document.createElement('div');
  el.className = 'page organise collection-page';
  const head = document.createElement('div');
  const body = document.createElement('div');
  body.className = 'organise-body';
  const status = document.createElement('div');
  const pagerBottom = document.createElement('div');
  // What a keyboard move did, for screen readers.
  const live = document.createElement('p');
  live.className = 'visually-hidden';
  live.setAttribute('aria-live', 'polite');
  el.append(head, body, live);
  root.append(el);
  const controller = new AbortController();
  const signal = controller.signal;

  /** @type {{id: string, name: string, description: string, item_count: number, items_version: number}|null} */
  let collection = null;
  /** @type {string|null} */
  let failure = null;
  let missing = false;
  let loaded = false;
  let paged = false;
  let page = 0;
  let offset = 0;
  /** @type {string|null} the item after this page (null: the page ends the collection) */
  let next = null;
  // Local moves not yet answered, a drag under way, and a re-read that waits for them.
  let pending = 0;
  let dragging = false;
  let stale = false;
  // Bumped by every local change of order: a re-read begun before one is outdated.
  let epoch = 0;
  // Bumped by a failed move: moves queued behind it were based on it and are dropped.
  let failures = 0;
  let chain = Promise.resolve();

  const strip = new ItemStrip(editable, {
    onDrop: dropped,
    onStep: stepped,
    onCaption: saveCaption,
    onRemove: remove,
    onEditCard: editCard,
    onSelection: () => paintHead(),
    onDrag: (busy) => {
      dragging = busy;
      if (!busy) settle();
    },
  });

  /** @returns {number} items in the whole collection */
  const total = () => collection?.item_count ?? 0;

  function paintHead() {
    if (!collection) {
      render(nothing, head);
      return;
    }
    const selected = strip.selection.size;
    const c = collection;
    render(
      html`<header class="toolbar">
          <a class="button is-quiet" href="/collections" title="All collections">← Collections</a>
          <h1 class="toolbar-title collection-title">
            <span class="collection-title-name">${c.name}</span>
            <span class="toolbar-count">${plural(c.item_count, 'item')}</span>
          </h1>
          <span class="toolbar-spacer"></span>
          ${editable
            ? html`<button type="button" class="button" @click=${addSelection} title="Add the photos selected in the library">Add the selection</button>
                <button type="button" class="button" @click=${addCard}>Add a text card</button>
                <button type="button" class="button" @click=${editDetails}>Edit details…</button>`
            : nothing}
          <a class="button ${editable ? '' : 'is-primary'}" href=${`${base}/export`} download title="A ZIP with the photos in order and a page that shows them">Export</a>
        </header>
        ${c.description ? html`<p class="collection-about">${c.description}</p>` : nothing}
        ${editable && c.item_count > 0
          ? html`<div class="collection-bar">
              <span class="collection-bar-text" aria-live="polite">
                ${selected
                  ? html`<strong>${count(selected)} selected</strong>`
                  : html`<span class="muted">
                      Drag tiles to reorder${paged ? ' on this page; Move to… takes them to another' : ''}, or focus one and press
                      <kbd>Alt</kbd>+<kbd>←</kbd> / <kbd>Alt</kbd>+<kbd>→</kbd>.
                    </span>`}
              </span>
              <span class="toolbar-spacer"></span>
              <button type="button" class="button" @click=${moveToDialog}>${selected ? `Move ${count(selected)} to…` : 'Move to…'}</button>
              <button type="button" class="button is-danger" ?disabled=${!selected} @click=${() => remove(strip.selected())}>Remove</button>
              ${selected ? html`<button type="button" class="button is-quiet" @click=${() => strip.select([])}>Clear selection</button>` : nothing}
            </div>`
          : nothing}
        ${paged ? pager('Pages') : nothing}`,
      head,
    );
  }

  /** @param {string} label the navigation's name (there is one above the tiles, one below) */
  function pager(label) {
    const pages = Math.ceil(total() / PAGE);
    return html`<nav class="pager" aria-label=${label}>
      <button type="button" class="button" ?disabled=${page === 0} @click=${() => showPage(page - 1)}>Previous</button>
      <label class="pager-label">
        Page
        <select aria-label="Page" @change=${(e) => showPage(Number(e.target.value) - 1)}>
          ${Array.from({ length: pages }, (_, p) => html`<option value=${p + 1} ?selected=${p === page}>${p + 1}</option>`)}
        </select>
        of ${count(pages)} · items ${count(offset + 1)}–${count(offset + strip.items.length)}
      </label>
      <button type="button" class="button" ?disabled=${page >= pages - 1} @click=${() => showPage(page + 1)}>Next</button>
    </nav>`;
  }

  function paintBody() {
    if (missing) {
      render(
        html`<div class="empty">
          <h1>No such collection</h1>
          <p>It may have been deleted in another window.</p>
          <a class="button is-primary" href="/collections">All collections</a>
        </div>`,
        status,
      );
    } else if (failure) {
      render(
        html`<div class="empty">
          <h2>The collection could not be loaded</h2>
          <p>${failure}</p>
          <button type="button" class="button is-primary" @click=${() => open()}>Try again</button>
        </div>`,
        status,
      );
    } else if (!loaded) {
      render(html`<div class="loading"><span class="spinner" aria-label="Loading"></span></div>`, status);
    } else if (total() === 0) {
      render(
        html`<div class="empty">
          <h2>This collection is empty</h2>
          ${editable
            ? html`<p>
                  Select photos in the library and choose <strong>Add to collection…</strong>, or select them and come back here for
                  <strong>Add the selection</strong>. Text cards go between photos.
                </p>
                <button type="button" class="button is-primary" @click=${addSelection}>Add the selection</button>`
            : html`<p>Nothing has been put in it yet.</p>`}
        </div>`,
        status,
      );
    } else {
      render(nothing, status);
    }
    render(paged && loaded ? pager('Pages, below the items') : nothing, pagerBottom);
    if (status.parentElement !== body) body.append(status, strip.el, pagerBottom);
  }

  /** Read the collection, then its items. */
  async function open() {
    failure = null;
    try {
      collection = await api.get(base, undefined, { signal });
    } catch (error) {
      if (api.isAbort(error)) return;
      if (error instanceof api.ApiError && (error.status === 404 || error.status === 422)) missing = true;
      else failure = api.reason(error);
      paintHead();
      paintBody();
      return;
    }
    document.title = `${collection?.name} · Hotprevue`;
    paintHead();
    await loadItems();
  }

  /**
   * Read the items shown (all of them, or the page): the order of the daemon wins.
   * @returns {Promise<boolean>} whether they were read and shown
   */
  async function loadItems() {
    const mine = epoch;
    try {
      const wanted = total();
      /** @type {CollectionItem[]} */
      let items;
      if (wanted <= WHOLE) {
        items = await readAll(wanted);
        paged = false;
        offset = 0;
        next = null;
      } else {
        paged = true;
        page = Math.min(page, Math.ceil(wanted / PAGE) - 1);
        offset = page * PAGE;
        // One more than the page: the item after it is where a drop at the page's end goes.
        const rows = await api.get(`${base}/items`, { limit: PAGE + 1, offset }, { signal });
        items = rows.slice(0, PAGE);
        next = rows[PAGE]?.id ?? null;
      }
      // Moved here meanwhile: that order is newer than this answer.
      if (mine !== epoch) {
        stale = true;
        return false;
      }
      if (!paged && collection && items.length !== collection.item_count) collection = { ...collection, item_count: items.length };
      loaded = true;
      failure = null;
      strip.setItems(items, offset, total());
      paintHead();
      paintBody();
      return true;
    } catch (error) {
      if (api.isAbort(error)) return false;
      if (error instanceof api.ApiError && error.status === 404) missing = true;
      else if (!loaded) failure = api.reason(error);
      else toast(`The items could not be read again: ${api.reason(error)}`, { kind: 'error' });
      paintBody();
      return false;
    }
  }

  /**
   * Every item, in requests of CHUNK at once; a collection grown meanwhile is read on.
   * @param {number} expected
   * @returns {Promise<CollectionItem[]>}
   */
  async function readAll(expected) {
    const chunks = Math.max(1, Math.ceil(expected / CHUNK));
    const answers = await Promise.all(
      Array.from({ length: chunks }, (_, k) => api.get(`${base}/items`, { limit: CHUNK, offset: k * CHUNK }, { signal })),
    );
    let last = answers[answers.length - 1];
    while (last.length === CHUNK) {
      last = await api.get(`${base}/items`, { limit: CHUNK, offset: answers.length * CHUNK }, { signal });
      answers.push(last);
    }
    // A move between two requests could show an item twice: it is shown once.
    const seen = new Set();
    return answers.flat().filter((/** @type {CollectionItem} */ item) => !seen.has(item.id) && seen.add(item.id));
  }

  /** Re-read the order now, or once the moves and the drag under way are done. */
  function refresh() {
    if (pending > 0 || dragging || strip.editing) {
      stale = true;
      return;
    }
    stale = false;
    loadItems();
  }

  /** A drag or a move ended: a re-read that waited runs now. */
  function settle() {
    if (stale && pending === 0 && !dragging) refresh();
  }

  /** @param {number} p show page p (0-based) */
  async function showPage(p) {
    page = Math.max(0, p);
    strip.select([]);
    await loadItems();
    strip.el.querySelector('.item')?.scrollIntoView({ block: 'nearest' });
  }

  /**
   * The id of the item at a place in the whole collection (null past its end).
   * @param {number} g 0-based
   * @returns {Promise<string|null>}
   */
  async function idAt(g) {
    if (g >= total()) return null;
    const local = g - offset;
    if (local >= 0 && local < strip.items.length) return strip.items[local].id;
    if (local === strip.items.length && next !== null) return next;
    const rows = await api.get(`${base}/items`, { limit: 1, offset: g }, { signal });
    return rows[0]?.id ?? null;
  }

  /**
   * Move items (all shown on this page) so that the first lands at place k of the whole
   * collection: before the k-th of the items that stay.
   * @param {string[]} ids
   * @param {number} k 0-based
   * @returns {Promise<boolean>} whether it was saved
   */
  async function moveTo(ids, k) {
    const places = ids.map((i) => offset + strip.indexOf(i)).sort((a, b) => a - b);
    let g = k;
    for (const m of places) if (m <= g) g += 1;
    let before;
    try {
      before = await idAt(g);
    } catch (error) {
      if (!api.isAbort(error)) toast(`The move failed: ${api.reason(error)}`, { kind: 'error' });
      return false;
    }
    const target = paged ? Math.floor(k / PAGE) : page;
    const landed = await moveBefore(ids, before);
    // Moved to another page: show it there.
    if (landed && target !== page) {
      await showPage(target);
      strip.focus(ids[0]);
    }
    if (landed) render(html`Moved to place ${count(k + 1)} of ${count(total())}`, live);
    return landed;
  }

  /**
   * Put items before another (null: at the end), at once on screen, then saved in order
   * behind earlier moves; a refusal puts the order back and says why.
   * @param {string[]} ids
   * @param {string|null} before
   * @returns {Promise<boolean>} whether it was saved
   */
  function moveBefore(ids, before) {
    const snapshot = strip.items;
    const moving = new Set(ids);
    const ordered = snapshot.filter((i) => moving.has(i.id));
    const rest = snapshot.filter((i) => !moving.has(i.id));
    let at;
    if (before === null) at = next === null ? rest.length : -1;
    else if (before === next) at = rest.length;
    else at = rest.findIndex((i) => i.id === before);
    // Off this page (at < 0): they leave it, and the page is read again once saved.
    strip.setItems(at < 0 ? rest : [...rest.slice(0, at), ...ordered, ...rest.slice(at)], offset, total());
    epoch += 1;
    pending += 1;
    const queuedAt = failures;
    const sent = ordered.map((i) => i.id);
    const done = chain.then(async () => {
      if (queuedAt !== failures) return false;
      try {
        for (let i = 0; i < sent.length; i += MOVE_MAX) {
          await api.post(`${base}/items/move`, { item_ids: sent.slice(i, i + MOVE_MAX), before });
        }
        return true;
      } catch (error) {
        failures += 1;
        epoch += 1;
        // The order goes back; captions and cards edited meanwhile stay as they are now.
        const now = new Map(strip.items.map((i) => [i.id, i]));
        strip.setItems(snapshot.map((i) => now.get(i.id) ?? i), offset, total());
        // Refused items are ones another window removed or moved meanwhile.
        const why =
          error instanceof api.ApiError && (error.status === 404 || error.status === 422)
            ? 'the collection was changed in another window. It now shows the order saved there.'
            : api.reason(error);
        toast(`The new order could not be saved: ${why}`, { kind: 'error' });
        stale = true;
        return false;
      }
    });
    chain = done.then(() => undefined);
    return done.finally(() => {
      pending -= 1;
      settle();
    });
  }

  /**
   * A tile was dropped at a new place (it is there on screen already). With others
   * selected along with it, they all go there, in their order.
   * @param {string} itemId
   * @param {number} index
   */
  function dropped(itemId, index) {
    const dragged = strip.items.find((i) => i.id === itemId);
    if (!dragged) return;
    const order = strip.items.filter((i) => i.id !== itemId);
    order.splice(index, 0, dragged);
    const group = strip.selection.has(itemId) && strip.selection.size > 1 ? strip.selected() : [itemId];
    const after = order.slice(index + 1).find((i) => !group.includes(i.id));
    moveBefore(group, after ? after.id : next);
  }

  /**
   * Alt+arrow: one place earlier or later; the tile keeps the focus.
   * @param {string} itemId
   * @param {-1|1} step
   */
  async function stepped(itemId, step) {
    const k = offset + strip.indexOf(itemId) + step;
    if (k < 0 || k >= total()) return;
    await moveTo([itemId], k);
    strip.focus(itemId);
  }

  /** Ask where to move the selection (or the focused tile), by place number. */
  async function moveToDialog() {
    const ids = strip.selection.size ? strip.selected() : strip.touched ? [strip.touched] : [];
    if (ids.length === 0) {
      await notice('Nothing to move yet', 'Click a tile to choose it (Ctrl-click or ⌘-click for more), then choose “Move to…”.');
      return;
    }
    const last = total() - ids.length + 1;
    const what = ids.length === 1 ? 'this item' : `these ${count(ids.length)} items`;
    const target = await formDialog(
      ids.length === 1 ? 'Move the item' : `Move ${count(ids.length)} items`,
      html`<p class="dialog-text">Where should ${what} go? Place 1 is the start, place ${count(last)} the end.</p>
        <label class="field">
          <span class="field-label">Place</span>
          <input name="place" type="number" min="1" max=${last} required autofocus .value=${String(offset + strip.indexOf(ids[0]) + 1)} />
        </label>
        <div class="button-row">
          <button type="submit" class="button" name="to" value="start" formnovalidate>To the start</button>
          <button type="submit" class="button" name="to" value="end" formnovalidate>To the end</button>
        </div>`,
      'Move',
      async (form) => {
        const to = text(form, 'to');
        if (to === 'start') return 1;
        if (to === 'end') return last;
        return Math.max(1, Math.min(last, Math.round(Number(text(form, 'place')))));
      },
    );
    if (target === null) return;
    await moveTo(ids, target - 1);
    strip.focus(ids[0]);
  }

  /**
   * @param {string} itemId
   * @param {string} caption
   */
  async function saveCaption(itemId, caption) {
    const item = strip.items[strip.indexOf(itemId)];
    if (!item) return;
    strip.update({ ...item, caption });
    try {
      await api.patch(`${base}/items/${itemId}`, { caption });
    } catch (error) {
      const now = strip.items[strip.indexOf(itemId)];
      if (now) strip.update({ ...now, caption: item.caption });
      toast(`The caption could not be saved: ${api.reason(error)}`, { kind: 'error' });
    }
  }

  /** @param {string[]} ids items to take out of the collection */
  async function remove(ids) {
    if (ids.length === 0 || !collection) return;
    const chosen = new Set(ids);
    const items = strip.items.filter((i) => chosen.has(i.id));
    const photos = items.filter((i) => i.hothash).length;
    const cards = items.length - photos;
    const stays = photos ? `${photos === 1 ? 'The photo stays' : `The ${count(photos)} photos stay`} in your library` : '';
    const goes = cards ? `${cards === 1 ? 'the text card leaves' : `the ${count(cards)} text cards leave`} this collection` : '';
    const sure = await confirm(
      ids.length === 1 ? `Remove this item from “${collection.name}”?` : `Remove ${count(ids.length)} items from “${collection.name}”?`,
      `${[stays, goes].filter(Boolean).join('; ').replace(/^./, (c) => c.toUpperCase())}.`,
      'Remove',
    );
    if (!sure) return;
    const at = strip.indexOf(ids[0]);
    try {
      const removed = new Set(await api.post(`${base}/items/batch-remove`, { item_ids: ids }));
      const kept = strip.items.filter((i) => !removed.has(i.id));
      collection = { ...collection, item_count: collection.item_count - removed.size };
      epoch += 1;
      strip.setItems(kept, offset, total());
      toast(`Removed ${plural(removed.size, 'item')}`);
      changedList();
      paintHead();
      paintBody();
      const focus = kept[Math.min(at, kept.length - 1)];
      if (focus) strip.focus(focus.id);
      if (paged) refresh();
    } catch (error) {
      toast(`The items could not be removed: ${api.reason(error)}`, { kind: 'error' });
    }
  }

  async function addSelection() {
    const hashes = await librarySelection();
    if (!hashes) return;
    await edits.addToCollection(id, hashes);
    await reread(true);
  }

  /**
   * Read the collection and its items again.
   * @param {boolean} toEnd show the last page (where added items are)
   */
  async function reread(toEnd) {
    try {
      collection = await api.get(base, undefined, { signal });
    } catch (error) {
      if (!api.isAbort(error)) toast(`The collection could not be read again: ${api.reason(error)}`, { kind: 'error' });
      return;
    }
    if (toEnd) page = Math.max(0, Math.ceil(total() / PAGE) - 1);
    paintHead();
    await loadItems();
    const last = strip.items[strip.items.length - 1];
    if (toEnd && last) strip.tiles.get(last.id)?.scrollIntoView({ block: 'nearest' });
  }

  /** A text card after the tile focused last (at the end without one). */
  async function addCard() {
    const after = strip.touched;
    const follow = after ? strip.items[strip.indexOf(after) + 1]?.id ?? next : null;
    const item = await formDialog('New text card', cardFields({ title: '', body: '' }), 'Add', (form) =>
      api.post(`${base}/items`, { title: text(form, 'title'), body: text(form, 'body') }),
    );
    if (!item || !collection) return;
    collection = { ...collection, item_count: collection.item_count + 1 };
    changedList();
    if (paged) {
      await reread(!after);
    } else {
      epoch += 1;
      strip.setItems([...strip.items, item], 0, total());
      paintHead();
      paintBody();
      if (follow) await moveBefore([item.id], follow);
    }
    strip.focus(item.id);
  }

  /** @param {string} itemId edit the text card an item shows */
  async function editCard(itemId) {
    const item = strip.items[strip.indexOf(itemId)];
    const card = item?.text_item;
    if (!item || !card) return;
    const saved = await formDialog('Edit the text card', cardFields(card), 'Save', (form) =>
      api.patch(`/api/text-items/${card.id}`, { title: text(form, 'title'), body: text(form, 'body') }),
    );
    if (!saved) return;
    const now = strip.items[strip.indexOf(itemId)];
    if (now) strip.update({ ...now, text_item: saved });
    strip.focus(itemId);
  }

  /** @param {{title: string, body: string}} card */
  function cardFields(card) {
    return html`<label class="field">
        <span class="field-label">Title</span>
        <input name="title" type="text" maxlength="200" autofocus .value=${card.title} />
      </label>
      <label class="field">
        <span class="field-label">Text</span>
        <textarea name="body" rows="5" maxlength="10000" .value=${card.body}></textarea>
      </label>`;
  }

  async function editDetails() {
    if (!collection) return;
    const c = collection;
    const saved = await formDialog(
      'Edit the collection',
      html`<label class="field">
          <span class="field-label">Name</span>
          <input name="name" type="text" required maxlength="200" autofocus .value=${c.name} />
        </label>
        <label class="field">
          <span class="field-label">Description</span>
          <textarea name="description" rows="3" maxlength="10000" .value=${c.description}></textarea>
        </label>`,
      'Save',
      (form) => api.patch(base, { name: text(form, 'name'), description: text(form, 'description') }),
    );
    if (!saved) return;
    collection = { ...c, name: saved.name, description: saved.description };
    document.title = `${saved.name} · Hotprevue`;
    changedList();
    paintHead();
  }

  /** The collections changed: the lists other views keep are stale too. */
  function changedList() {
    if (lookups.get().collections) reload('collections');
  }

  /** Another window may have changed the collection: a new count or version re-reads the order. */
  async function poll() {
    if (document.visibilityState !== 'visible' || !collection || !loaded) return;
    try {
      const now = await api.get(base, undefined, { signal, retry: false });
      if (!collection) return;
      const counted = now.item_count !== collection.item_count;
      const changed = counted || now.items_version !== collection.items_version;
      if (counted || now.name !== collection.name || now.description !== collection.description) {
        paintHead();
      }
      collection = {
        ...collection,
        name: now.name,
        description: now.description,
        item_count: now.item_count,
        items_version: now.items_version,
      };
      // Another window's move (or this one's, once) re-reads the order; so does a
      // re-read that waited for an edit or a move.
      if (changed || stale) refresh();
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 404) {
        missing = true;
        strip.setItems([]);
        paintBody();
      }
    }
  }

  const onWindowFocus = () => {
    if (loaded) refresh();
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') poll();
  };
  const timer = setInterval(poll, POLL_MS);
  window.addEventListener('focus', onWindowFocus);
  document.addEventListener('visibilitychange', onVisible);

  paintHead();
  paintBody();
  open();

  return {
    unmount() {
      controller.abort();
      clearInterval(timer);
      window.removeEventListener('focus', onWindowFocus);
      document.removeEventListener('visibilitychange', onVisible);
      strip.destroy();
      render(nothing, head);
      render(nothing, status);
      render(nothing, pagerBottom);
      render(nothing, live);
    },
  };
}
