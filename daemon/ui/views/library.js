// The library: toolbar, filters panel, the timeline grid with its scrubber, and the
// batch bar for the selection. The list itself (filters, buckets, pages, selection,
// focus) is the shared browsing model; this view shows it and turns input into model
// and URL changes.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import { app, readOnly, toast } from '../store.js';
import { router } from '../shell.js';
import { browse, SELECT_MAX } from '../grid/model.js';
import { Grid } from '../grid/grid.js';
import { Scrubber } from '../components/scrubber.js';
import { activeCount, filtersToSearch, parseFilters, SORTS } from '../filters.js';
import { count, plural } from '../format.js';
import { ApiError } from '../api.js';
import * as edits from '../edits.js';

const TILE_KEY = 'hotprevue.tile';
const PANEL_KEY = 'hotprevue.filters';
const TILE_MIN = 96;
const TILE_MAX = 320;
const TILE_DEFAULT = 168;

// What the first screen does not need loads on first use: fewer requests before the
// first photos show.
const LOADERS = {
  filters: () => import('../components/filters.js'),
  batchbar: () => import('../components/batchbar.js'),
  lookups: () => import('../lookups.js'),
};
/** @type {{filters?: typeof import('../components/filters.js'), batchbar?: typeof import('../components/batchbar.js'), lookups?: typeof import('../lookups.js')}} */
const later = {};
/** @type {Set<string>} */
const loading = new Set();

/**
 * Load a part once; `then` runs when it has arrived (not when it was there already).
 * @param {keyof typeof LOADERS} name
 * @param {() => void} then
 */
function load(name, then) {
  if (later[name] || loading.has(name)) return;
  loading.add(name);
  LOADERS[name]()
    .then((module) => {
      // @ts-ignore: each name gets its own module
      later[name] = module;
      then();
    })
    .finally(() => loading.delete(name));
}

/**
 * @param {HTMLElement} root
 * @param {import('../router.js').RouteContext} ctx
 * @returns {import('../router.js').MountedView}
 */
export default function mountLibrary(root, ctx) {
  const view = document.createElement('div');
  view.className = 'library';
  const toolbar = document.createElement('div');
  toolbar.className = 'toolbar-slot';
  const body = document.createElement('div');
  body.className = 'library-body';
  const panel = document.createElement('aside');
  panel.className = 'filters-pane';
  panel.id = 'filters-pane';
  const pane = document.createElement('div');
  pane.className = 'grid-pane';
  const overlay = document.createElement('div');
  overlay.className = 'grid-overlay';
  const bar = document.createElement('div');
  bar.className = 'batchbar-slot';
  body.append(panel, pane);
  view.append(toolbar, body, bar);
  root.append(view);

  let panelOpen = localStorage.getItem(PANEL_KEY) === 'open';
  const returning = browse.buckets !== null;
  /** @type {(() => void)|null} */
  let unsubscribeLookups = null;

  const grid = new Grid(browse, {
    onOpen: (index) => open(index),
    onStack: (index) => toggleStack(index),
  });
  grid.setTileSize(clampTile(Number(localStorage.getItem(TILE_KEY)) || TILE_DEFAULT));
  const scrubber = new Scrubber(grid);
  pane.append(grid.scroller, scrubber.el, overlay);

  /** @param {Partial<import('../filters.js').Filters>} patch */
  const change = (patch) => {
    router.navigate(`/${filtersToSearch({ ...browse.filters, ...patch })}`, { replace: true });
  };

  // Names for chips and lists arrive later: paint again when they do.
  const needLookups = () => {
    load('lookups', () => {
      unsubscribeLookups = later.lookups?.lookups.subscribe(paint) ?? null;
      needLookups();
    });
    const lookups = later.lookups;
    if (!lookups) return;
    const f = browse.filters;
    if (panelOpen) {
      for (const list of /** @type {const} */ (['events', 'categories', 'photographers', 'sessions', 'cameras'])) lookups.need(list);
    }
    for (const [key, list] of /** @type {const} */ ([
      ['event', 'events'],
      ['category', 'categories'],
      ['photographer', 'photographers'],
      ['session', 'sessions'],
    ])) {
      if (f[key]) lookups.need(list);
    }
    if (browse.selection.size > 0 && !readOnly()) {
      for (const list of /** @type {const} */ (['events', 'categories', 'photographers', 'collections'])) lookups.need(list);
    }
  };

  const paint = () => {
    const f = browse.filters;
    const locked = readOnly();
    const active = activeCount(f);
    if ((panelOpen || active > 0) && !later.filters) load('filters', paint);
    if (browse.selection.size > 0 && !later.batchbar) load('batchbar', paint);
    render(
      html`<header class="toolbar">
        <button
          type="button"
          class="button ${panelOpen ? 'is-on' : ''}"
          aria-expanded=${panelOpen ? 'true' : 'false'}
          aria-controls="filters-pane"
          title="Filters (F)"
          @click=${togglePanel}
        >
          Filters${active ? html` <span class="badge">${active}</span>` : nothing}
        </button>
        <h1 class="toolbar-title">
          ${f.trash ? 'Trash' : 'Library'}
          <span class="toolbar-count">${browse.buckets ? plural(browse.total, 'photo') : ''}</span>
        </h1>
        ${later.filters ? later.filters.filterChips(f, change) : nothing}
        <span class="toolbar-spacer"></span>
        ${f.trash && !locked && browse.total > 0
          ? html`<button type="button" class="button is-danger" @click=${emptyTrash}>Empty the trash…</button>`
          : nothing}
        ${f.trash
          ? html`<button type="button" class="button" @click=${() => change({ trash: false })}>Back to the library</button>`
          : nothing}
        <select class="toolbar-select" aria-label="Sort" title="Sort" @change=${(e) => change({ sort: e.target.value })}>
          ${SORTS.map((s) => html`<option value=${s.value} ?selected=${s.value === f.sort}>${s.label}</option>`)}
        </select>
        <input
          class="zoom"
          type="range"
          aria-label="Thumbnail size"
          title="Thumbnail size (+ / −)"
          min=${TILE_MIN}
          max=${TILE_MAX}
          step="8"
          .value=${String(grid.tileTarget)}
          @input=${(e) => zoom(Number(e.target.value))}
        />
      </header>`,
      toolbar,
    );
    panel.hidden = !panelOpen;
    render(panelOpen && later.filters ? later.filters.filtersPanel(f, change, { trashAllowed: !locked }) : nothing, panel);
    render(
      later.batchbar
        ? later.batchbar.batchBar({
            selection: [...browse.selection],
            trash: f.trash,
            readOnly: locked,
            onClear: () => browse.clearSelection(),
            stacked: stacked(),
          })
        : nothing,
      bar,
    );
    render(overlayTemplate(), overlay);
  };

  const overlayTemplate = () => {
    const f = browse.filters;
    if (browse.error) {
      return html`<div class="empty">
        <h2>The photos could not be loaded</h2>
        <p>${browse.error.detail}</p>
        <button type="button" class="button is-primary" @click=${() => browse.refresh()}>Try again</button>
      </div>`;
    }
    if (!browse.buckets) return html`<div class="loading"><span class="spinner" aria-label="Loading"></span></div>`;
    if (browse.total > 0) return nothing;
    if (f.trash) {
      return html`<div class="empty">
        <h2>The trash is empty</h2>
        <p>Photos moved to the trash wait here until the trash is emptied.</p>
      </div>`;
    }
    if (activeCount(f) > 0) {
      return html`<div class="empty">
        <h2>No photos match these filters</h2>
        <button type="button" class="button is-primary" @click=${() => change(clearedFilters(f))}>Clear filters</button>
      </div>`;
    }
    return app.get().mode === 'central'
      ? html`<div class="empty">
          <h2>No photos yet</h2>
          <p>Photos appear here once a machine pushes its catalog here with <code>hotprevue sync</code>.</p>
        </div>`
      : html`<div class="empty">
          <h2>No photos yet</h2>
          <p>Register a folder of photos: choose <strong>Register folder…</strong> in the tray’s menu, or run</p>
          <pre><code>hotprevue register FOLDER</code></pre>
          <p>They show up here as they are registered. The originals stay where they are.</p>
        </div>`;
  };

  const togglePanel = () => {
    panelOpen = !panelOpen;
    localStorage.setItem(PANEL_KEY, panelOpen ? 'open' : 'closed');
    needLookups();
    paint();
  };

  /** @param {number} size */
  const zoom = (size) => {
    const px = clampTile(size);
    localStorage.setItem(TILE_KEY, String(px));
    grid.setTileSize(px);
    paint();
  };

  /** @param {number} index open the loupe on a photo of the list */
  const open = async (index) => {
    const [item] = await browse.items(index, index);
    if (!item) return;
    browse.setFocus(index);
    router.navigate(`/photo/${item.hothash}${location.search}`, { state: { index, fromLibrary: true } });
  };

  /** @param {number} index open the stack there in place, or close it */
  const toggleStack = async (index) => {
    try {
      await browse.toggleStack(index);
    } catch (error) {
      if (error instanceof ApiError && error.status !== 401) toast(`The stack could not be opened: ${error.detail}`, { kind: 'error' });
    }
  };

  /** @returns {import('../grid/pages.js').Item|null} the one selected photo, when it is in a stack */
  const stacked = () => {
    if (browse.selection.size !== 1) return null;
    const [hothash] = browse.selection;
    const item = browse.byHash(hothash);
    return item?.stack_id ? item : null;
  };

  const emptyTrash = async () => {
    const { confirm } = await import('../components/dialog.js');
    const yes = await confirm(
      'Empty the trash?',
      'Every photo in the trash is deleted from the catalog for good: its entry, tags, ratings and previews. The original files on disk are never touched.',
      'Empty the trash',
    );
    if (yes) await edits.emptyTrash();
  };

  const selectAll = async () => {
    try {
      const { selected, total } = await browse.selectAll();
      if (total > selected) {
        toast(`Selected the first ${count(selected)} of ${count(total)} photos: a selection holds at most ${count(SELECT_MAX)}.`);
      }
    } catch {
      // The banner or the sign-in page says why.
    }
  };

  let session = app.get().session;
  const subscriptions = [
    // The session says what may be edited; toasts and the banner are the shell's.
    app.subscribe((state) => {
      if (state.session === session) return;
      session = state.session;
      paint();
    }),
    on(browse, 'buckets', paint),
    on(browse, 'selection', () => {
      needLookups();
      paint();
    }),
    // A single selected photo's stack actions follow the photo as it (re)loads.
    on(browse, 'items', () => {
      if (browse.selection.size === 1) paint();
    }),
  ];

  // Back from the loupe: show the photo it was left at.
  if (returning) {
    const once = () => {
      grid.removeEventListener('layout', once);
      if (browse.focus >= 0) {
        grid.scrollToIndex(browse.focus, 'center');
        grid.focus();
      }
    };
    grid.addEventListener('layout', once);
  }

  /** @param {import('../router.js').RouteContext} next */
  const update = (next) => {
    const filters = parseFilters(next.query);
    browse.setFilters(filters);
    grid.setList(filters.trash, filters.files);
    if (activeCount(filters) > 0 || panelOpen) needLookups();
    paint();
  };
  update(ctx);

  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && (event.key === 'a' || event.key === 'A') && !event.altKey) {
      selectAll();
      return true;
    }
    if (mod || event.altKey) return false;
    const locked = readOnly();
    switch (event.key) {
      case 'Escape':
        if (browse.selection.size === 0) return false;
        browse.clearSelection();
        return true;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
        if (!locked) edits.rate(browse.targets(), event.key === '0' ? null : Number(event.key));
        return true;
      case 'Delete':
      case 'Backspace':
        if (!locked) edits.trash(browse.targets(), !browse.filters.trash);
        return true;
      case 'f':
      case 'F':
        togglePanel();
        return true;
      case '+':
      case '=':
        zoom(grid.tileTarget + 24);
        return true;
      case '-':
        zoom(grid.tileTarget - 24);
        return true;
      case 'ArrowUp':
      case 'ArrowDown':
      case 'ArrowLeft':
      case 'ArrowRight':
      case 'Home':
      case 'End':
        if (grid.scroller.contains(/** @type {Node} */ (event.target))) return false;
        // Arrows from outside the grid bring the focus into it first.
        grid.focus();
        return true;
      default:
        return false;
    }
  };

  return {
    update,
    onKey,
    unmount() {
      for (const off of subscriptions) off();
      unsubscribeLookups?.();
      grid.destroy();
      scrubber.destroy();
    },
  };
}

/** @param {number} px @returns {number} a tile size the zoom allows */
function clampTile(px) {
  return Math.max(TILE_MIN, Math.min(TILE_MAX, Math.round(px / 8) * 8));
}

/**
 * @param {import('../filters.js').Filters} f
 * @returns {Partial<import('../filters.js').Filters>} no filters, the same sort and view
 */
function clearedFilters(f) {
  return { ...parseFilters(new URLSearchParams()), sort: f.sort, trash: f.trash, stacks: f.stacks };
}

/**
 * @param {EventTarget} target
 * @param {string} type
 * @param {() => void} fn
 * @returns {() => void} removes the listener
 */
function on(target, type, fn) {
  target.addEventListener(type, fn);
  return () => target.removeEventListener(type, fn);
}
