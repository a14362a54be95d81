// The events page: the tree of events (top-level ones with their sub-events), each
// opening its photos in the library; creating, editing, moving, deleting, choosing the
// cover, and putting the library's selection in an event. The tree paints from a list
// without covers; the covers follow in a second request.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { readOnly, toast } from '../store.js';
import { router } from '../shell.js';
import { browse } from '../grid/model.js';
import * as edits from '../edits.js';
import { lookups, reload } from '../lookups.js';
import { plural } from '../format.js';
import { confirm, modal } from '../components/dialog.js';
import { eventTree, findEvent } from '../components/eventtree.js';
import { formDialog, librarySelection, notice, text } from '../components/forms.js';
import { openMenu } from '../components/menu.js';

/** @typedef {import('../components/eventtree.js').EventNode} EventNode */
/** @typedef {import('../components/eventtree.js').Cover} Cover */

const COVER_CHOICES = 300;

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountEvents(root) {
  const el = document.createElement('div');
  el.className = 'page organise';
  root.append(el);
  const controller = new AbortController();
  const signal = controller.signal;

  /** @type {EventNode[]|null} null until loaded */
  let roots = null;
  /** @type {string|null} */
  let failure = null;
  /** @type {Map<string, Cover|null>} */
  let covers = new Map();
  /** @type {Set<string>} */
  const collapsed = new Set();
  /** @type {string|null} */
  let current = null;
  let generation = 0;

  const paint = () => {
    const tree = el.querySelector('.event-tree');
    const hadFocus = Boolean(tree?.contains(document.activeElement));
    const editable = !readOnly();
    const selected = browse.selection.size;
    const total = roots ? roots.reduce((n, r) => n + 1 + r.children.length, 0) : 0;
    render(
      html`<header class="toolbar">
          <h1 class="toolbar-title">Events <span class="toolbar-count">${roots ? plural(total, 'event') : ''}</span></h1>
          <span class="toolbar-spacer"></span>
          ${editable ? html`<button type="button" class="button is-primary" @click=${() => create(null)}>New event</button>` : nothing}
        </header>
        <div class="organise-body">
          ${editable && selected > 0 && roots?.length
            ? html`<p class="organise-hint" role="status">
                ${plural(selected, 'photo')} selected in the library: choose <strong>Add the selection</strong> on an event to put
                ${selected === 1 ? 'it' : 'them'} there.
              </p>`
            : nothing}
          ${body(editable, selected)}
        </div>`,
      el,
    );
    // Rows are reused by place: after a change the focus goes back to its event.
    if (hadFocus && current) {
      const row = /** @type {HTMLElement|null} */ (el.querySelector(`[data-event-id="${current}"]`));
      if (row && !row.contains(document.activeElement)) row.focus();
    }
  };

  /** @param {boolean} editable @param {number} selected */
  const body = (editable, selected) => {
    if (failure) {
      return html`<div class="empty">
        <h2>The events could not be loaded</h2>
        <p>${failure}</p>
        <button type="button" class="button is-primary" @click=${() => load()}>Try again</button>
      </div>`;
    }
    if (!roots) return html`<div class="loading"><span class="spinner" aria-label="Loading"></span></div>`;
    if (roots.length === 0) {
      return html`<div class="empty">
        <h2>No events yet</h2>
        <p>An event groups the photos of an occasion: a trip, a wedding, a match. A photo belongs to one event at most.</p>
        ${editable ? html`<button type="button" class="button is-primary" @click=${() => create(null)}>New event</button>` : nothing}
      </div>`;
    }
    if (!current || !findEvent(roots, current)) current = roots[0].id;
    return eventTree({
      roots,
      covers,
      collapsed,
      current,
      editable,
      selected,
      onOpen: (event) => router.navigate(`/?event=${event.id}`),
      onMenu: showMenu,
      onAdd: addSelection,
      onToggle: (id) => {
        if (collapsed.has(id)) {
          collapsed.delete(id);
        } else {
          collapsed.add(id);
          // A sub-event hidden with the focus on it hands the focus to its parent.
          if (current && findEvent(roots ?? [], current)?.parent_id === id) current = id;
        }
        paint();
      },
      onFocus: (id) => {
        if (current === id) return;
        current = id;
        paint();
      },
    });
  };

  /**
   * Read the tree (without covers: it paints at once), then the covers.
   * @param {string[]} [changed] only these events' covers may have changed
   */
  const load = async (changed) => {
    const mine = (generation += 1);
    try {
      const list = await api.get('/api/events', { covers: false }, { signal });
      if (mine !== generation) return;
      roots = list;
      failure = null;
      paint();
    } catch (error) {
      if (api.isAbort(error) || mine !== generation) return;
      failure = api.reason(error);
      paint();
      return;
    }
    try {
      if (changed && covers.size > 0) {
        const events = await Promise.all(changed.map((id) => api.get(`/api/events/${id}`, undefined, { signal })));
        for (const event of events) covers.set(event.id, event.cover ?? null);
      } else {
        const list = await api.get('/api/events', { covers: true }, { signal });
        /** @type {Map<string, Cover|null>} */
        const found = new Map();
        for (const event of list) {
          found.set(event.id, event.cover ?? null);
          for (const child of event.children) found.set(child.id, child.cover ?? null);
        }
        covers = found;
      }
      if (mine === generation) paint();
    } catch {
      // The tree shows without its covers; the banner says when the daemon is away.
    }
  };

  /** The events changed: the lists other views keep are stale too. */
  const changedList = () => {
    if (lookups.get().events) reload('events');
  };

  /**
   * The form of an event's own fields.
   * @param {Partial<EventNode>} values
   * @param {EventNode[]|null} parents top-level events to choose a parent from (null: no choice)
   * @param {string|null} parentId
   */
  const fields = (values, parents, parentId) => html`
    <label class="field">
      <span class="field-label">Name</span>
      <input name="name" type="text" required maxlength="200" autofocus .value=${values.name ?? ''} />
    </label>
    <div class="field-row">
      <label class="field">
        <span class="field-label">Date</span>
        <input name="date" type="date" .value=${values.date ?? ''} />
      </label>
      <label class="field">
        <span class="field-label">Place</span>
        <input name="location" type="text" maxlength="200" .value=${values.location ?? ''} />
      </label>
    </div>
    ${parents
      ? html`<label class="field">
          <span class="field-label">Part of</span>
          <select name="parent_id">
            <option value="" ?selected=${!parentId}>Nothing (a top-level event)</option>
            ${parents.map((p) => html`<option value=${p.id} ?selected=${p.id === parentId}>${p.name}</option>`)}
          </select>
        </label>`
      : nothing}
    <label class="field">
      <span class="field-label">Description</span>
      <textarea name="description" rows="3" maxlength="10000" .value=${values.description ?? ''}></textarea>
    </label>
  `;

  /** @param {FormData} form */
  const values = (form) => ({
    name: text(form, 'name'),
    date: text(form, 'date') || null,
    location: text(form, 'location'),
    description: text(form, 'description'),
  });

  /** @param {string|null} parentId a top-level event to create it under */
  const create = async (parentId) => {
    const parent = parentId && roots ? findEvent(roots, parentId) : undefined;
    const created = await formDialog(
      parent ? `New event in “${parent.name}”` : 'New event',
      fields({}, roots ?? [], parentId),
      'Create',
      (form) => api.post('/api/events', { ...values(form), parent_id: text(form, 'parent_id') || null }),
    );
    if (!created) return;
    current = created.id;
    if (created.parent_id) collapsed.delete(created.parent_id);
    toast(`Created the event “${created.name}”`);
    changedList();
    await load([created.id]);
    focusRow(created.id);
  };

  /** @param {EventNode} event */
  const edit = async (event) => {
    const saved = await formDialog(`Edit “${event.name}”`, fields(event, null, null), 'Save', (form) =>
      api.patch(`/api/events/${event.id}`, values(form)),
    );
    if (!saved) return;
    changedList();
    await load([]);
    focusRow(event.id);
  };

  /** @param {EventNode} event */
  const move = async (event) => {
    if (!roots) return;
    const nested = event.children.length > 0;
    // A parent stays on top: the only choice offered is the one it has.
    const others = nested ? [] : roots.filter((r) => r.id !== event.id);
    const moved = await formDialog(
      `Move “${event.name}”`,
      html`<p class="dialog-text">
          ${nested
            ? `It has ${plural(event.children.length, 'sub-event')}, so it stays a top-level event: events nest one level only.`
            : 'Put it in another event, or make it a top-level event. Events nest one level only.'}
        </p>
        <label class="field">
          <span class="field-label">Part of</span>
          <select name="parent_id" autofocus>
            <option value="" ?selected=${!event.parent_id}>Nothing (a top-level event)</option>
            ${others.map((p) => html`<option value=${p.id} ?selected=${p.id === event.parent_id}>${p.name}</option>`)}
          </select>
        </label>`,
      'Move',
      (form) => api.patch(`/api/events/${event.id}`, { parent_id: text(form, 'parent_id') || null }),
    );
    if (!moved) return;
    if (moved.parent_id) collapsed.delete(moved.parent_id);
    changedList();
    await load([]);
    focusRow(event.id);
  };

  /** @param {EventNode} event */
  const remove = async (event) => {
    if (event.children.length > 0) {
      await notice(
        `“${event.name}” has sub-events`,
        `Move or delete its ${plural(event.children.length, 'sub-event')} first: an event with sub-events cannot be deleted.`,
      );
      return;
    }
    const sure = await confirm(
      `Delete the event “${event.name}”?`,
      `The photos stay in your library; they just leave this event.${event.photo_count ? ` (${plural(event.photo_count, 'photo')})` : ''}`,
      'Delete event',
    );
    if (!sure) return;
    try {
      await api.del(`/api/events/${event.id}`);
    } catch (error) {
      toast(`The event could not be deleted: ${api.reason(error)}`, { kind: 'error' });
      return;
    }
    // Photos in the browsing model that were in it are in no event now.
    browse.patch(
      [...browse.cache.byHash.values()].filter((p) => p.event_id === event.id).map((p) => p.hothash),
      () => ({ event_id: null }),
    );
    toast(`Deleted the event “${event.name}”`);
    changedList();
    await load([]);
    focusRow(current);
  };

  /** @param {EventNode} event */
  const addSelection = async (event) => {
    const hashes = await librarySelection();
    if (!hashes) return;
    if (await edits.assign('event_id', hashes, event.id)) {
      toast(`Added ${plural(hashes.length, 'photo')} to “${event.name}”`);
    }
    // Photos may have left other events: every count and cover may have changed.
    await load();
  };

  /** @param {EventNode} event */
  const chooseCover = async (event) => {
    /** @type {any[]} */
    let photos;
    try {
      photos = await api.get('/api/photos', { event_id: event.id, sort: 'taken_at_asc', limit: COVER_CHOICES }, { signal });
    } catch (error) {
      if (!api.isAbort(error)) toast(`The photos could not be loaded: ${api.reason(error)}`, { kind: 'error' });
      return;
    }
    if (photos.length === 0) {
      await notice('No photos in this event', 'Add photos to the event first; then one of them can be its cover.');
      return;
    }
    const shown = covers.get(event.id)?.hothash ?? event.cover_hothash;
    const chosen = await modal(
      'Choose a cover',
      (close) => html`
        <div class="dialog-head">
          <h2>Cover of “${event.name}”</h2>
          <button type="button" class="icon-button" aria-label="Close" @click=${() => close(null)}>×</button>
        </div>
        ${event.photo_count > photos.length ? html`<p class="muted">The first ${plural(photos.length, 'photo')} of ${event.photo_count}, by time taken.</p>` : nothing}
        <ul class="stack-photos cover-choices" aria-label="Photos of the event">
          ${photos.map(
            (photo, i) => html`<li>
              <button
                type="button"
                class="stack-photo ${photo.hothash === shown ? 'is-cover' : ''}"
                data-rotation=${photo.rotation ? String(photo.rotation) : ''}
                data-choice-hothash=${photo.hothash}
                aria-pressed=${photo.hothash === shown ? 'true' : 'false'}
                aria-label=${`Photo ${i + 1}`}
                @click=${() => close({ hothash: photo.hothash })}
              >
                <img alt="" decoding="async" src=${`data:image/jpeg;base64,${photo.hotpreview_b64}`} />
              </button>
            </li>`,
          )}
        </ul>
        <div class="dialog-actions">
          ${event.cover_hothash
            ? html`<button type="button" class="button" @click=${() => close({ hothash: null })}>Use the first photo</button>`
            : nothing}
          <button type="button" class="button" @click=${() => close(null)}>Cancel</button>
        </div>
      `,
      'is-wide',
    );
    if (!chosen) return;
    try {
      await api.patch(`/api/events/${event.id}`, { cover_hothash: chosen.hothash });
    } catch (error) {
      toast(`The cover could not be set: ${api.reason(error)}`, { kind: 'error' });
      return;
    }
    await load([event.id]);
    focusRow(event.id);
  };

  /** @param {EventNode} event @param {HTMLElement} anchor */
  const showMenu = (event, anchor) => {
    current = event.id;
    openMenu(anchor, `Actions for ${event.name}`, [
      { label: 'Show photos', run: () => router.navigate(`/?event=${event.id}`) },
      { label: `Add the selection${browse.selection.size ? ` (${browse.selection.size})` : ''}`, run: () => addSelection(event) },
      ...(event.parent_id ? [] : [{ label: 'New sub-event…', run: () => create(event.id) }]),
      { label: 'Edit…', run: () => edit(event) },
      { label: 'Move…', run: () => move(event) },
      { label: 'Choose cover…', run: () => chooseCover(event) },
      { label: 'Delete…', run: () => remove(event), danger: true },
    ]);
  };

  /** @param {string|null} id give its row the focus */
  const focusRow = (id) => {
    if (!id) return;
    current = id;
    paint();
    /** @type {HTMLElement|null} */ (el.querySelector(`[data-event-id="${id}"]`))?.focus();
  };

  const onSelection = () => paint();
  browse.addEventListener('selection', onSelection);
  paint();
  load();

  return {
    unmount() {
      controller.abort();
      browse.removeEventListener('selection', onSelection);
      render(nothing, el);
    },
  };
}
