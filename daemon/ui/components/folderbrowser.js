// The folder browser: a modal that walks this machine's folders for the pages that
// register or watch one. The daemon lists them (`GET /api/folders`): it is the one
// that will read the folder chosen, and a page cannot see the disk.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { count, plural } from '../format.js';
import { modal } from './dialog.js';

/**
 * @typedef {object} Folder
 * @property {string} name
 * @property {string} path absolute
 */

/**
 * @typedef {object} Listing
 * @property {string|null} path null: the starting places
 * @property {string|null} parent null at a root and at the starting places
 * @property {Folder[]} folders
 * @property {boolean} truncated only the first ones are listed
 * @property {number} skipped folders left out because their names cannot be shown
 */

// The arrow keys move by one, the page keys by this many.
const PAGE_STEP = 10;

let dialogs = 0;

/**
 * The last part of a folder's path, as a session's default name and a short label.
 * @param {string} path
 * @returns {string} e.g. "Summer" for "/photos/Summer/"; the path itself for a root
 */
export function folderName(path) {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  const last = parts[parts.length - 1];
  // "C:" alone is a drive, which is better shown as its path.
  return last && !/^[A-Za-z]:$/.test(last) ? last : path;
}

/**
 * The folders from the root down to a path, each with the path to go there.
 * @param {string} path absolute: "/home/ann", "C:\\Users\\ann" or "\\\\server\\share\\x"
 * @returns {Folder[]}
 */
export function crumbs(path) {
  const windows = /^(?:[A-Za-z]:[\\/]|\\\\)/.test(path);
  const root = windows
    ? (/^(?:\\\\[^\\/]+[\\/][^\\/]+|[A-Za-z]:)/.exec(path)?.[0] ?? '')
    : '/';
  const separator = windows ? '\\' : '/';
  const rootPath = root.endsWith('\\') || root.endsWith('/') ? root : root + separator;
  const parts = path.slice(root.length).split(/[\\/]+/).filter(Boolean);
  /** @type {Folder[]} */
  const list = [{ name: rootPath, path: rootPath }];
  let at = rootPath;
  for (const part of parts) {
    at = at.endsWith(separator) ? at + part : at + separator + part;
    list.push({ name: part, path: at });
  }
  return list;
}

/**
 * Let the user pick a folder on this machine.
 * @param {{title?: string, start?: string}} [options] the heading (what the folder is
 *   for) and where to begin (the starting places when not given or not readable)
 * @returns {Promise<string|null>} the chosen folder's path, null when cancelled
 */
export function chooseFolder(options = {}) {
  const title = options.title ?? 'Choose a folder';
  const id = `folder-browser-${(dialogs += 1)}`;
  const host = document.createElement('div');
  host.className = 'fb';
  const controller = new AbortController();
  /** @type {AbortController|null} */
  let request = null;
  /** @type {Listing|null} */
  let listing = null;
  let typed = '';
  let error = '';
  // The error belongs to what was typed (the field is marked), not to a click.
  let typedError = false;
  let loading = false;
  // The one folder button reachable with Tab; the arrow keys move it.
  let roving = 0;
  /** @type {(value: string|null) => void} */
  let close = () => {};

  /**
   * Show a folder's subfolders (null: the starting places).
   * @param {string|null} path
   * @param {{from?: 'typed'|'list', focus?: string}} [how] where the request came from;
   *   `focus` is the folder whose button gets the focus afterwards (going up)
   */
  const go = async (path, how = {}) => {
    request?.abort();
    const mine = new AbortController();
    request = mine;
    controller.signal.addEventListener('abort', () => mine.abort(), { once: true });
    loading = true;
    paint();
    try {
      /** @type {Listing} */
      const answer = await api.get('/api/folders', { path }, { signal: mine.signal });
      listing = answer;
      typed = answer.path ?? '';
      error = '';
      typedError = false;
      const target = how.focus ?? null;
      roving = Math.max(0, target ? answer.folders.findIndex((f) => f.path === target) : 0);
      loading = false;
      paint();
      // Typing stays in the field; a click or a key in the list stays in the list.
      if (how.from !== 'typed' && document.activeElement !== host.querySelector('input')) focusList();
    } catch (failure) {
      if (api.isAbort(failure)) return;
      loading = false;
      error = failure instanceof api.ApiError ? failure.detail : String(failure);
      typedError = how.from === 'typed';
      if (listing === null && path !== null) {
        // Where to begin could not be read: begin at the starting places, saying why.
        const why = error;
        await go(null);
        error = why;
      }
      paint();
      if (how.from === 'typed') host.querySelector('input')?.focus();
    } finally {
      if (request === mine) request = null;
    }
  };

  const focusList = () => {
    const buttons = folderButtons();
    const button = buttons[roving] ?? null;
    if (button) button.focus();
    else /** @type {HTMLElement|null} */ (host.querySelector('.fb-choose'))?.focus();
  };

  const folderButtons = () => /** @type {HTMLButtonElement[]} */ ([...host.querySelectorAll('button[data-folder-path]')]);

  const up = () => {
    const here = listing?.path;
    if (here == null) return;
    go(listing?.parent ?? null, { from: 'list', focus: here });
  };

  /** @param {SubmitEvent} event */
  const onGo = (event) => {
    event.preventDefault();
    const path = typed.trim();
    go(path === '' ? null : path, { from: 'typed' });
  };

  /** @param {KeyboardEvent} event */
  const onListKey = (event) => {
    const buttons = folderButtons();
    const at = buttons.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    /** @type {number|null} */
    let next = null;
    if (event.key === 'ArrowDown') next = at + 1;
    else if (event.key === 'ArrowUp') next = at - 1;
    else if (event.key === 'PageDown') next = at + PAGE_STEP;
    else if (event.key === 'PageUp') next = at - PAGE_STEP;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = buttons.length - 1;
    else if (event.key === 'Backspace' || (event.key === 'ArrowLeft' && event.altKey)) {
      event.preventDefault();
      up();
      return;
    }
    if (next === null || buttons.length === 0) return;
    event.preventDefault();
    roving = Math.min(buttons.length - 1, Math.max(0, next));
    paint();
    buttons[roving].focus();
  };

  const notes = () => {
    if (loading) return 'Loading…';
    if (!listing) return '';
    const shown = listing.folders.length;
    const parts = [listing.path === null ? plural(shown, 'starting place') : shown ? plural(shown, 'folder') : 'No subfolders'];
    if (listing.truncated) parts.push(`Showing the first ${count(shown)} folders`);
    if (listing.skipped === 1) parts.push('1 folder with an unreadable name is not shown');
    else if (listing.skipped > 1) parts.push(`${count(listing.skipped)} folders with unreadable names are not shown`);
    return parts.join(' · ');
  };

  const template = () => {
    const here = listing?.path ?? null;
    const folders = listing?.folders ?? [];
    const where = here === null ? [] : crumbs(here);
    return html`
      <h2 id="${id}-title">${title}</h2>
      <form class="fb-go" @submit=${onGo}>
        <label class="field fb-go-field">
          <span class="field-label">Folder path</span>
          <span class="fb-go-row">
            <input
              type="text"
              name="path"
              autocomplete="off"
              spellcheck="false"
              placeholder="Type or paste a folder's path, then press Enter"
              .value=${typed}
              aria-invalid=${typedError ? 'true' : 'false'}
              aria-describedby=${error ? `${id}-error` : nothing}
              @input=${(/** @type {InputEvent} */ e) => {
                typed = /** @type {HTMLInputElement} */ (e.target).value;
              }}
            />
            <button type="submit" class="button">Go</button>
          </span>
        </label>
      </form>
      ${error ? html`<p class="fb-error" id="${id}-error" role="alert">${error}</p>` : nothing}
      <div class="fb-where">
        <button type="button" class="button" title="The folder above (Backspace)" ?disabled=${here === null} @click=${up}>Up</button>
        <nav class="fb-crumbs" aria-label="Where you are">
          <ol>
            <li>
              ${here === null
                ? html`<span aria-current="location">Starting places</span>`
                : html`<button type="button" class="link-button" @click=${() => go(null, { from: 'list' })}>Starting places</button>`}
            </li>
            ${where.map((crumb, i) => html`<li>
              ${i === where.length - 1
                ? html`<span aria-current="location">${crumb.name}</span>`
                : html`<button type="button" class="link-button" @click=${() => go(crumb.path, { from: 'list' })}>${crumb.name}</button>`}
            </li>`)}
          </ol>
        </nav>
      </div>
      <ul
        class="fb-list ${loading ? 'is-loading' : ''}"
        aria-label=${here === null ? 'Starting places' : `Folders in ${folderName(here)}`}
        aria-busy=${loading ? 'true' : 'false'}
        @keydown=${onListKey}
      >
        ${folders.map(
          (folder, i) => html`<li>
            <button
              type="button"
              class="fb-folder"
              data-folder-path=${folder.path}
              tabindex=${i === roving ? '0' : '-1'}
              title=${folder.path}
              @focus=${() => {
                if (roving !== i) {
                  roving = i;
                  paint();
                }
              }}
              @click=${() => go(folder.path, { from: 'list' })}
            >${folder.name}</button>
          </li>`,
        )}
      </ul>
      <div class="fb-foot">
        <p class="fb-notes" role="status">
          ${loading ? html`<span class="spinner is-small" aria-hidden="true"></span>` : nothing}${notes()}
        </p>
        <div class="dialog-actions">
          <button type="button" class="button" @click=${() => close(null)}>Cancel</button>
          <button type="button" class="button is-primary fb-choose" ?disabled=${here === null || loading} @click=${() => close(here)}>
            Choose this folder
          </button>
        </div>
      </div>
    `;
  };

  const paint = () => render(template(), host);

  paint();
  const chosen = modal(
    'Choose a folder',
    (done) => {
      close = done;
      return html`${host}`;
    },
    'fb-dialog',
  );
  go(options.start ?? null, options.start ? { from: 'typed' } : {});
  return chosen.finally(() => controller.abort());
}
