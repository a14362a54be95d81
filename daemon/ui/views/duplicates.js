// The duplicates page: files whose picture the catalog already has under another path,
// for one registration session or the whole catalog. Each photo shows once, with its
// hotpreview and the paths it is kept at, beside every path it was found at again.
// Forgetting such a path only drops the catalog's note of it: the photo and the file
// stay. The list comes a page of duplicates at a time (the URL keeps the session and
// the page); a photo shows on the page of its first duplicate, with all of them.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { readOnly, toast } from '../store.js';
import { router } from '../shell.js';
import { count, moment, plural } from '../format.js';

const PAGE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORGET_TITLE = 'Forget this path: the catalog stops listing it here. The photo and the file on disk stay.';

/**
 * @typedef {object} Duplicate a row of `GET /api/duplicates`
 * @property {string} id
 * @property {string} hothash
 * @property {string} file_path
 * @property {string|null} session_id
 * @property {string} detected_at
 */

/**
 * @typedef {object} Session a row of `GET /api/input-sessions`
 * @property {string} id
 * @property {string} name
 * @property {string} created_at
 * @property {number} duplicate_count
 */

/**
 * @typedef {object} KeptFile a row of `GET /api/photos/{hothash}/files`
 * @property {string} file_path
 * @property {string} file_type
 * @property {boolean} is_master
 */

/**
 * @param {HTMLElement} root
 * @param {import('../router.js').RouteContext} ctx
 * @returns {import('../router.js').MountedView}
 */
export default function mountDuplicates(root, ctx) {
  const el = document.createElement('div');
  el.className = 'page duplicates';
  root.append(el);
  const controller = new AbortController();
  const signal = controller.signal;

  /** @type {Session[]|null} */
  let sessions = null;
  let session = '';
  let offset = 0;
  /** @type {Set<string>|null} the page's duplicates, null while it loads */
  let rows = null;
  /** @type {Map<string, Duplicate[]>} the photos shown, each with all its duplicates */
  let groups = new Map();
  let more = false;
  // The page's duplicates forgotten: the next page starts that much earlier.
  let forgotten = 0;
  /** @type {Map<string, {hotpreview_b64: string, deleted_at: string|null}>} */
  let photos = new Map();
  /** @type {Map<string, KeptFile[]>} */
  let kept = new Map();
  let failure = '';
  let generation = 0;

  const paint = () => {
    render(
      html`<header class="toolbar">
          <h1 class="toolbar-title">Duplicates</h1>
          <label class="duplicates-picker">
            <span class="muted">Session</span>
            <select aria-label="Session" @change=${(e) => go(e.target.value, 0)}>
              ${sessionOptions()}
            </select>
          </label>
        </header>
        <div class="duplicates-body">
          <p class="duplicates-intro muted">
            Files whose picture is already in the catalog under another path. Forgetting a path only removes it from this
            list: the photo and the file on disk stay.
          </p>
          ${body()}
        </div>`,
      el,
    );
  };

  const sessionOptions = () => {
    const list = sessions ?? [];
    const known = list.some((s) => s.id === session);
    const option = (/** @type {Session} */ s) =>
      html`<option value=${s.id} ?selected=${s.id === session}>
        ${s.name} · ${moment(s.created_at)}${s.duplicate_count ? ` · ${plural(s.duplicate_count, 'duplicate')}` : ''}
      </option>`;
    const found = list.filter((s) => s.duplicate_count > 0);
    const none = list.filter((s) => s.duplicate_count === 0);
    return html`<option value="" ?selected=${!session}>All sessions</option>
      ${session && !known ? html`<option value=${session} selected>This session</option>` : nothing}
      ${found.length ? html`<optgroup label="With duplicates">${found.map(option)}</optgroup>` : nothing}
      ${none.length ? html`<optgroup label="Without duplicates">${none.map(option)}</optgroup>` : nothing}`;
  };

  const body = () => {
    if (failure) {
      return html`<div class="empty">
        <h2>The duplicates could not be loaded</h2>
        <p>${failure}</p>
        <button type="button" class="button is-primary" @click=${() => load()}>Try again</button>
      </div>`;
    }
    if (!rows) return html`<div class="loading"><span class="spinner" aria-label="Loading"></span></div>`;
    if (groups.size === 0 && offset === 0 && !more) {
      return html`<div class="empty">
        <h2>No duplicates</h2>
        <p>
          ${session
            ? 'This session found no file whose picture was already in the catalog, or each one it found has been forgotten.'
            : 'No file has been found whose picture was already in the catalog under another path, or each one has been forgotten.'}
        </p>
      </div>`;
    }
    return html`${groups.size === 0
        ? html`<p class="muted">The duplicates of this page belong to photos shown on earlier pages, with all their paths.</p>`
        : html`<ul class="duplicate-groups" aria-label="Duplicates">
            ${[...groups].map(([hothash, found]) => group(hothash, found))}
          </ul>`}
      ${pager()}`;
  };

  /**
   * One photo: its hotpreview and kept paths, beside the paths found again.
   * @param {string} hothash
   * @param {Duplicate[]} found
   */
  const group = (hothash, found) => {
    const photo = photos.get(hothash);
    const files = kept.get(hothash) ?? [];
    const locked = readOnly();
    const names = new Map((sessions ?? []).map((s) => [s.id, s.name]));
    return html`<li class="duplicate-group">
      <a class="duplicate-photo ${photo?.deleted_at ? 'is-deleted' : ''}" href=${`/photo/${hothash}`} data-kept-hothash=${hothash} title="Open the photo">
        ${photo
          ? html`<img alt=${photo.deleted_at ? 'The kept photo (in the trash)' : 'The kept photo'} src=${`data:image/jpeg;base64,${photo.hotpreview_b64}`} />`
          : html`<span class="muted">No preview</span>`}
      </a>
      <div class="duplicate-paths">
        <h2 class="duplicate-label">Kept at</h2>
        <ul class="path-list">
          ${files.map(
            (f) => html`<li class="path-row">
              <span class="duplicate-path" title=${f.file_path}>${f.file_path}</span>
              <span class="muted">${f.file_type}${f.is_master ? ' · master' : ''}</span>
            </li>`,
          )}
        </ul>
      </div>
      <div class="duplicate-paths">
        <h2 class="duplicate-label">Found again at</h2>
        <ul class="path-list">
          ${found.map(
            (d) => html`<li class="path-row" data-duplicate-id=${d.id}>
              <span class="duplicate-path" title=${d.file_path}>${d.file_path}</span>
              <span class="muted">
                ${moment(d.detected_at)}${!session && d.session_id && names.has(d.session_id) ? ` · ${names.get(d.session_id)}` : ''}
              </span>
              ${locked
                ? nothing
                : html`<button type="button" class="button" title=${FORGET_TITLE} @click=${() => forget(d)}>
                    Forget this path
                  </button>`}
            </li>`,
          )}
        </ul>
      </div>
    </li>`;
  };

  const pager = () => {
    if (offset === 0 && !more) return nothing;
    return html`<nav class="duplicates-pager" aria-label="Pages">
      <button type="button" class="button" ?disabled=${offset === 0} @click=${() => go(session, Math.max(0, offset - PAGE))}>
        Previous
      </button>
      <span class="muted">Page ${count(Math.floor(offset / PAGE) + 1)}</span>
      <button type="button" class="button" ?disabled=${!more} @click=${() => go(session, offset + PAGE - forgotten)}>
        Next
      </button>
    </nav>`;
  };

  /**
   * Show another session or page (the URL says which).
   * @param {string} id '' for all sessions
   * @param {number} at
   */
  const go = (id, at) => {
    const query = new URLSearchParams();
    if (id) query.set('session', id);
    if (at > 0) query.set('offset', String(at));
    const search = query.toString();
    router.navigate(`/duplicates${search ? `?${search}` : ''}`);
  };

  const loadSessions = async () => {
    try {
      /** @type {Session[]} */
      const list = await api.get('/api/input-sessions', { limit: 1000 }, { signal });
      // Those with duplicates first, each part newest first as listed.
      sessions = [...list.filter((s) => s.duplicate_count > 0), ...list.filter((s) => s.duplicate_count === 0)];
      paint();
    } catch (error) {
      if (api.isAbort(error)) return;
      // Without the list, the picker offers all sessions and the one in the URL.
      sessions = [];
      paint();
    }
  };

  const load = async () => {
    const mine = (generation += 1);
    rows = null;
    failure = '';
    forgotten = 0;
    paint();
    try {
      /** @type {Duplicate[]} */
      const page = await api.get(
        '/api/duplicates',
        { session_id: session || undefined, limit: PAGE + 1, offset },
        { signal },
      );
      const ids = new Set(page.slice(0, PAGE).map((d) => d.id));
      const all = await everyDuplicate([...new Set(page.slice(0, PAGE).map((d) => d.hothash))], session, signal);
      // A photo whose first duplicate was on an earlier page was shown there, whole.
      const shown = [...all].filter(([, list]) => list.length > 0 && ids.has(list[0].id));
      const hashes = shown.map(([hothash]) => hothash);
      const [found, files] = await Promise.all([previews(hashes, signal), keptFiles(hashes, signal)]);
      if (mine !== generation) return;
      more = page.length > PAGE;
      rows = ids;
      groups = new Map(shown);
      photos = found;
      kept = files;
    } catch (error) {
      if (api.isAbort(error) || mine !== generation) return;
      failure = error instanceof api.ApiError ? error.detail : String(error);
    }
    paint();
  };

  /** @param {Duplicate} duplicate */
  const forget = async (duplicate) => {
    if (readOnly()) return;
    try {
      await api.del(`/api/duplicates/${duplicate.id}`);
    } catch (error) {
      if (error instanceof api.ApiError && error.status !== 404) {
        toast(`Forgetting the path failed: ${error.detail}`, { kind: 'error' });
        return;
      }
    }
    if (!rows) return;
    if (rows.delete(duplicate.id)) forgotten += 1;
    const left = (groups.get(duplicate.hothash) ?? []).filter((d) => d.id !== duplicate.id);
    if (left.length > 0) groups.set(duplicate.hothash, left);
    else groups.delete(duplicate.hothash);
    toast('Path forgotten: the photo and the file stay');
    // The page emptied while more follow: show them.
    if (groups.size === 0 && more) load();
    else paint();
  };

  /** @param {import('../router.js').RouteContext} next */
  const update = (next) => {
    const id = next.query.get('session') ?? '';
    session = UUID.test(id) ? id.toLowerCase() : '';
    const at = Number(next.query.get('offset') ?? 0);
    offset = Number.isInteger(at) && at > 0 ? at : 0;
    load();
  };

  loadSessions();
  update(ctx);

  return {
    update,
    unmount() {
      controller.abort();
      generation += 1;
      render(nothing, el);
    },
  };
}

/**
 * The photos' hotpreviews, in the library or in the trash.
 * @param {string[]} hashes at most 100
 * @param {AbortSignal} signal
 * @returns {Promise<Map<string, {hotpreview_b64: string, deleted_at: string|null}>>}
 */
async function previews(hashes, signal) {
  const found = new Map();
  if (hashes.length === 0) return found;
  for (const deleted of [undefined, 'true']) {
    const missing = hashes.filter((h) => !found.has(h));
    if (missing.length === 0) break;
    const items = await api.get('/api/photos', { hothash: missing, deleted, limit: missing.length }, { signal });
    for (const item of items) found.set(item.hothash, item);
  }
  return found;
}

/**
 * Every duplicate of each photo (of one session, when one is chosen), in the list's order.
 * @param {string[]} hashes
 * @param {string} session '' for all sessions
 * @param {AbortSignal} signal
 * @returns {Promise<Map<string, Duplicate[]>>}
 */
async function everyDuplicate(hashes, session, signal) {
  const lists = await Promise.all(
    hashes.map((hothash) => api.get('/api/duplicates', { hothash, session_id: session || undefined, limit: 1000 }, { signal })),
  );
  return new Map(hashes.map((h, i) => [h, lists[i]]));
}

/**
 * The paths each photo is kept at.
 * @param {string[]} hashes
 * @param {AbortSignal} signal
 * @returns {Promise<Map<string, KeptFile[]>>}
 */
async function keptFiles(hashes, signal) {
  const lists = await Promise.all(hashes.map((h) => api.get(`/api/photos/${h}/files`, undefined, { signal })));
  return new Map(hashes.map((h, i) => [h, lists[i]]));
}
