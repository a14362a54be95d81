// The collections page: every collection as a card with its cover and item count;
// creating, cloning, deleting, and opening one. The cards paint from a list without
// covers; the covers follow in a second request.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { readOnly, toast } from '../store.js';
import { router } from '../shell.js';
import { lookups, reload } from '../lookups.js';
import { plural } from '../format.js';
import { confirm } from '../components/dialog.js';
import { formDialog, text } from '../components/forms.js';
import { openMenu } from '../components/menu.js';

/**
 * @typedef {object} CollectionRow a collection as `GET /api/collections` lists it
 * @property {string} id
 * @property {string} name
 * @property {string} description
 * @property {string|null} cover_hothash
 * @property {number} item_count
 * @property {{hothash: string, hotpreview_b64: string, deleted: boolean}|null} [cover]
 */

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountCollections(root) {
  const el = document.createElement('div');
  el.className = 'page organise';
  root.append(el);
  const controller = new AbortController();
  const signal = controller.signal;

  /** @type {CollectionRow[]|null} */
  let list = null;
  /** @type {string|null} */
  let failure = null;
  /** @type {Map<string, CollectionRow['cover']>} */
  let covers = new Map();
  let generation = 0;

  const paint = () => {
    const editable = !readOnly();
    render(
      html`<header class="toolbar">
          <h1 class="toolbar-title">Collections <span class="toolbar-count">${list ? plural(list.length, 'collection') : ''}</span></h1>
          <span class="toolbar-spacer"></span>
          ${editable ? html`<button type="button" class="button is-primary" @click=${create}>New collection</button>` : nothing}
        </header>
        <div class="organise-body">${body(editable)}</div>`,
      el,
    );
  };

  /** @param {boolean} editable */
  const body = (editable) => {
    if (failure) {
      return html`<div class="empty">
        <h2>The collections could not be loaded</h2>
        <p>${failure}</p>
        <button type="button" class="button is-primary" @click=${() => load()}>Try again</button>
      </div>`;
    }
    if (!list) return html`<div class="loading"><span class="spinner" aria-label="Loading"></span></div>`;
    if (list.length === 0) {
      return html`<div class="empty">
        <h2>No collections yet</h2>
        <p>A collection is a sequence of photos in the order you choose, with captions and text cards between them: a slideshow, a portfolio, a delivery.</p>
        ${editable
          ? html`<p>Create one here, or select photos in the library and choose <strong>Add to collection…</strong>.</p>
              <button type="button" class="button is-primary" @click=${create}>New collection</button>`
          : nothing}
      </div>`;
    }
    return html`<ul class="collection-cards" aria-label="Collections">
      ${list.map((c) => card(c, editable))}
    </ul>`;
  };

  /** @param {CollectionRow} c @param {boolean} editable */
  const card = (c, editable) => {
    const cover = covers.get(c.id);
    return html`<li class="collection-card" data-collection-id=${c.id}>
      <a class="collection-link" href=${`/collections/${c.id}`}>
        <span class="collection-cover ${cover?.deleted ? 'is-deleted' : ''} ${cover === null ? 'is-blank' : ''}" aria-hidden="true">
          ${cover ? html`<img alt="" decoding="async" src=${`data:image/jpeg;base64,${cover.hotpreview_b64}`} />` : nothing}
        </span>
        <span class="collection-name">${c.name}</span>
        <span class="collection-facts">${plural(c.item_count, 'item')}</span>
        ${c.description ? html`<span class="collection-description">${c.description}</span>` : nothing}
      </a>
      ${editable
        ? html`<button
            type="button"
            class="icon-button is-quiet collection-menu"
            aria-haspopup="menu"
            aria-expanded="false"
            aria-label=${`Actions for ${c.name}`}
            title="More actions"
            @click=${(e) =>
              openMenu(e.currentTarget, `Actions for ${c.name}`, [
                { label: 'Open', run: () => router.navigate(`/collections/${c.id}`) },
                { label: 'Clone', run: () => clone(c) },
                { label: 'Delete…', run: () => remove(c), danger: true },
              ])}
          >
            ⋯
          </button>`
        : nothing}
    </li>`;
  };

  /** Read the list without covers (it paints at once), then with them. */
  const load = async () => {
    const mine = (generation += 1);
    try {
      const rows = await api.get('/api/collections', { covers: false }, { signal });
      if (mine !== generation) return;
      list = rows;
      failure = null;
      paint();
      const full = await api.get('/api/collections', { covers: true }, { signal });
      if (mine !== generation) return;
      covers = new Map(full.map((/** @type {CollectionRow} */ c) => [c.id, c.cover ?? null]));
      paint();
    } catch (error) {
      if (api.isAbort(error) || mine !== generation || list) return;
      failure = api.reason(error);
      paint();
    }
  };

  /** The collections changed: the lists other views keep are stale too. */
  const changedList = () => {
    if (lookups.get().collections) reload('collections');
  };

  const create = async () => {
    const created = await formDialog(
      'New collection',
      html`<label class="field">
          <span class="field-label">Name</span>
          <input name="name" type="text" required maxlength="200" autofocus />
        </label>
        <label class="field">
          <span class="field-label">Description</span>
          <textarea name="description" rows="3" maxlength="10000"></textarea>
        </label>`,
      'Create',
      (form) => api.post('/api/collections', { name: text(form, 'name'), description: text(form, 'description') }),
    );
    if (!created) return;
    changedList();
    router.navigate(`/collections/${created.id}`);
  };

  /** @param {CollectionRow} c */
  const clone = async (c) => {
    try {
      const copy = await api.post(`/api/collections/${c.id}/clone`);
      toast(`Copied “${c.name}” to “${copy.name}”`);
      changedList();
      await load();
      /** @type {HTMLElement|null} */ (el.querySelector(`[data-collection-id="${copy.id}"] a`))?.focus();
    } catch (error) {
      toast(`The collection could not be copied: ${api.reason(error)}`, { kind: 'error' });
    }
  };

  /** @param {CollectionRow} c */
  const remove = async (c) => {
    const sure = await confirm(
      `Delete the collection “${c.name}”?`,
      c.item_count
        ? `Its ${plural(c.item_count, 'item')} go with it. The photos stay in your library.`
        : 'It is empty. Nothing else changes.',
      'Delete collection',
    );
    if (!sure) return;
    try {
      await api.del(`/api/collections/${c.id}`);
      toast(`Deleted the collection “${c.name}”`);
      changedList();
      await load();
    } catch (error) {
      toast(`The collection could not be deleted: ${api.reason(error)}`, { kind: 'error' });
    }
  };

  paint();
  load();

  return {
    unmount() {
      controller.abort();
      render(nothing, el);
    },
  };
}
