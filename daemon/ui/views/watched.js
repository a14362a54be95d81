// Watched folders: the folders the daemon registers new photos from by itself, with what
// each watcher is doing now; add one (the folder browser picks it), pause or resume it,
// walk it again now, or stop watching it.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { toast } from '../store.js';
import { labelOf, defaultPhotographerLabel, lookups, need } from '../lookups.js';
import { moment, plural } from '../format.js';
import { poll } from '../shell.js';
import { confirm } from '../components/dialog.js';
import { chooseFolder, folderName } from '../components/folderbrowser.js';

/**
 * @typedef {object} WatchedFolder a watched folder as the API gives it
 * @property {string} id
 * @property {string} path
 * @property {boolean} recursive
 * @property {string|null} photographer_id null: the default photographer of the moment
 * @property {boolean} paused
 * @property {'disabled'|'paused'|'starting'|'scanning'|'watching'|'polling'|'offline'|'error'} state
 * @property {string} state_detail why it is offline, polling or in error
 * @property {number} pending_files
 * @property {string|null} last_scan_at
 * @property {string} created_at
 */

// What each state means to someone looking at the list; `tone` colours its dot.
const STATES = {
  disabled: { text: 'Off: watching is switched off in the settings', tone: 'idle' },
  paused: { text: 'Paused', tone: 'idle' },
  starting: { text: 'Starting', tone: 'busy' },
  scanning: { text: 'Scanning for new photos', tone: 'busy' },
  watching: { text: 'Watching', tone: 'ok' },
  polling: { text: 'Watching (checking every few seconds)', tone: 'ok' },
  offline: { text: 'Offline', tone: 'warn' },
  error: { text: 'Error', tone: 'danger' },
};
const REFRESH_MS = 3000;
const REFRESH_HIDDEN_MS = 15_000;
// Rescanning is refused (409) in these states; the button says why instead.
const NO_RESCAN = {
  paused: 'Resume the folder to rescan it',
  disabled: 'Watching is switched off in the settings',
  offline: 'The folder cannot be reached',
};

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountWatched(root) {
  const el = document.createElement('div');
  el.className = 'page work-page';
  root.append(el);
  const controller = new AbortController();
  const { signal } = controller;

  /** @type {WatchedFolder[]|null} */
  let folders = null;
  let listError = '';
  /** @type {Set<string>} folders with a request under way: their buttons wait */
  const busy = new Set();
  let timer = 0;

  // The form that opens once a folder is chosen.
  const adding = {
    /** @type {string|null} */
    path: null,
    recursive: true,
    photographer: '',
    paused: false,
    busy: false,
    error: '',
  };

  const refresh = async () => {
    clearTimeout(timer);
    try {
      folders = await api.get('/api/watched-folders', undefined, { signal, retry: false });
      listError = '';
    } catch (failure) {
      if (api.isAbort(failure)) return;
      listError = `Could not list the watched folders: ${api.reason(failure)}`;
    }
    paint();
    clearTimeout(timer);
    timer = setTimeout(refresh, document.visibilityState === 'visible' ? REFRESH_MS : REFRESH_HIDDEN_MS);
  };

  /** @param {WatchedFolder} folder the answer of an action: shown at once */
  const replace = (folder) => {
    if (folders) folders = folders.map((f) => (f.id === folder.id ? folder : f));
  };

  /**
   * Run an action on one folder; its buttons wait meanwhile.
   * @param {WatchedFolder} folder
   * @param {() => Promise<void>} work
   * @param {string} failed what could not be done, e.g. 'Could not pause “Summer”'
   */
  const act = async (folder, work, failed) => {
    busy.add(folder.id);
    paint();
    try {
      await work();
      poll();
    } catch (failure) {
      if (api.isAbort(failure)) return;
      toast(`${failed}: ${api.reason(failure)}`, { kind: 'error' });
    } finally {
      busy.delete(folder.id);
      paint();
    }
  };

  /** @param {WatchedFolder} folder */
  const togglePause = (folder) =>
    act(
      folder,
      async () => {
        replace(await api.post(`/api/watched-folders/${folder.id}/${folder.paused ? 'resume' : 'pause'}`, undefined, { signal }));
      },
      `Could not ${folder.paused ? 'resume' : 'pause'} “${folderName(folder.path)}”`,
    );

  /** @param {WatchedFolder} folder */
  const rescan = (folder) =>
    act(
      folder,
      async () => {
        replace(await api.post(`/api/watched-folders/${folder.id}/rescan`, undefined, { signal }));
        toast(`Looking through “${folderName(folder.path)}” for new photos`);
      },
      `Could not rescan “${folderName(folder.path)}”`,
    );

  /** @param {WatchedFolder} folder */
  const remove = async (folder) => {
    const name = folderName(folder.path);
    const sure = await confirm(
      `Stop watching “${name}”?`,
      'Hotprevue stops watching this folder. Its photos stay in your library.',
      'Stop watching',
    );
    if (!sure) return;
    await act(
      folder,
      async () => {
        await api.del(`/api/watched-folders/${folder.id}`, { signal });
        if (folders) folders = folders.filter((f) => f.id !== folder.id);
        toast(`No longer watching “${name}”; its photos stay in your library`);
      },
      `Could not stop watching “${name}”`,
    );
  };

  const pick = async () => {
    const path = await chooseFolder({ title: 'Choose a folder to watch', start: adding.path ?? undefined });
    if (path === null) return;
    adding.path = path;
    adding.error = '';
    paint();
    /** @type {HTMLElement|null} */ (el.querySelector('#watched-add-title'))?.focus();
  };

  const closeForm = () => {
    adding.path = null;
    adding.error = '';
    paint();
    /** @type {HTMLElement|null} */ (el.querySelector('.work-add-button'))?.focus();
  };

  /** @param {SubmitEvent} event */
  const add = async (event) => {
    event.preventDefault();
    if (adding.path === null || adding.busy) return;
    adding.busy = true;
    adding.error = '';
    paint();
    try {
      /** @type {WatchedFolder} */
      const folder = await api.post(
        '/api/watched-folders',
        {
          path: adding.path,
          recursive: adding.recursive,
          photographer_id: adding.photographer || null,
          paused: adding.paused,
        },
        { signal },
      );
      folders = [...(folders ?? []).filter((f) => f.id !== folder.id), folder].sort((a, b) => a.path.localeCompare(b.path));
      toast(`Watching “${folderName(folder.path)}”${folder.paused ? ' (paused)' : ''}: its photos are registered too`);
      poll();
      adding.busy = false;
      closeForm();
      return;
    } catch (failure) {
      if (api.isAbort(failure)) return;
      adding.error = api.reason(failure);
    }
    adding.busy = false;
    paint();
  };

  /**
   * @param {string} selected '' for the default photographer
   */
  const photographerOptions = (selected) => {
    const people = lookups.get().photographers;
    // The default photographer comes first (the API's order); '' follows whoever is
    // the default when each photo is registered.
    const first = people?.[0];
    return html`
      <option value="" ?selected=${selected === ''}>${defaultPhotographerLabel(first?.label)}</option>
      ${(people ?? []).slice(1).map((p) => html`<option value=${p.value} ?selected=${selected === p.value}>${p.label}</option>`)}
    `;
  };

  /** @param {string|null} id */
  const photographerName = (id) => {
    if (id === null) return defaultPhotographerLabel(lookups.get().photographers?.[0]?.label);
    return labelOf('photographers', id) ?? 'A photographer no longer listed';
  };

  const addTemplate = () =>
    adding.path === null
      ? html`<div class="work-actions is-start">
          <button type="button" class="button is-primary work-add-button" @click=${pick}>Add a folder…</button>
        </div>`
      : html`<form class="work-card" aria-labelledby="watched-add-title" @submit=${add}>
          <h2 id="watched-add-title" tabindex="-1">Watch “${folderName(adding.path)}”</h2>
          <div class="field">
            <span class="field-label" id="watched-add-folder-label">Folder</span>
            <div class="work-folder">
              <span class="work-folder-path" id="watched-add-folder">${adding.path}</span>
              <button type="button" class="button" aria-describedby="watched-add-folder-label watched-add-folder" @click=${pick}>Change…</button>
            </div>
          </div>
          <label class="field">
            <span class="field-label">Photographer</span>
            <select
              name="photographer"
              @change=${(/** @type {Event} */ e) => {
                adding.photographer = /** @type {HTMLSelectElement} */ (e.target).value;
              }}
            >
              ${photographerOptions(adding.photographer)}
            </select>
          </label>
          <label class="check">
            <input
              type="checkbox"
              name="recursive"
              .checked=${adding.recursive}
              @change=${(/** @type {Event} */ e) => {
                adding.recursive = /** @type {HTMLInputElement} */ (e.target).checked;
              }}
            />
            Include subfolders
          </label>
          <label class="check">
            <input
              type="checkbox"
              name="paused"
              .checked=${adding.paused}
              @change=${(/** @type {Event} */ e) => {
                adding.paused = /** @type {HTMLInputElement} */ (e.target).checked;
              }}
            />
            Start paused
          </label>
          <p class="muted work-lead">The photos already in the folder are registered too, then every new one that lands there.</p>
          ${adding.error ? html`<p class="work-error" role="alert">${adding.error}</p>` : nothing}
          <div class="work-actions">
            <button type="button" class="button" @click=${closeForm}>Cancel</button>
            <button type="submit" class="button is-primary" ?disabled=${adding.busy}>
              ${adding.busy ? html`<span class="spinner is-small" aria-hidden="true"></span>` : nothing}Start watching
            </button>
          </div>
        </form>`;

  /** @param {WatchedFolder} folder */
  const rowTemplate = (folder) => {
    const state = STATES[folder.state] ?? { text: folder.state, tone: 'idle' };
    const waiting = busy.has(folder.id);
    const name = folderName(folder.path);
    const noRescan = NO_RESCAN[/** @type {keyof typeof NO_RESCAN} */ (folder.state)];
    return html`<li class="work-folder-row" data-folder-id=${folder.id}>
      <div class="work-folder-main">
        <h3 class="work-folder-name" id="watched-${folder.id}">${name}</h3>
        <span class="work-folder-full" title=${folder.path}>${folder.path}</span>
      </div>
      <dl class="work-facts">
        <div>
          <dt>State</dt>
          <dd class="work-folder-state">
            <span class="work-dot is-${state.tone}" aria-hidden="true"></span>${state.text}${folder.state_detail
              ? html`<span class="work-state-detail">${folder.state_detail}</span>`
              : nothing}
          </dd>
        </div>
        <div>
          <dt>Files waiting</dt>
          <dd>${folder.pending_files ? plural(folder.pending_files, 'file') : 'None'}</dd>
        </div>
        <div>
          <dt>Last scan</dt>
          <dd>${folder.last_scan_at ? moment(folder.last_scan_at) : 'Not yet'}</dd>
        </div>
        <div>
          <dt>Photographer</dt>
          <dd>${photographerName(folder.photographer_id)}</dd>
        </div>
        <div>
          <dt>Subfolders</dt>
          <dd>${folder.recursive ? 'Included' : 'Not included'}</dd>
        </div>
      </dl>
      <div class="work-folder-actions">
        <button type="button" class="button" aria-describedby="watched-${folder.id}" ?disabled=${waiting} @click=${() => togglePause(folder)}>
          ${folder.paused ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          class="button"
          aria-describedby="watched-${folder.id}"
          ?disabled=${waiting || Boolean(noRescan)}
          title=${noRescan ?? 'Look through the folder for new photos now'}
          @click=${() => rescan(folder)}
        >
          Rescan now
        </button>
        <button type="button" class="button is-danger" aria-describedby="watched-${folder.id}" ?disabled=${waiting} @click=${() => remove(folder)}>
          Remove
        </button>
      </div>
    </li>`;
  };

  const listTemplate = () => {
    if (folders === null) {
      return listError
        ? html`<p class="work-error" role="alert">${listError}</p>`
        : html`<p class="muted"><span class="spinner is-small" aria-hidden="true"></span> Loading…</p>`;
    }
    if (folders.length === 0) {
      return html`<div class="work-none">
        <p>No folder is watched yet.</p>
        <p class="muted">
          Add a folder such as the one your camera or phone copies to: Hotprevue registers the
          photos in it, then every new one that lands there, by itself.
        </p>
      </div>`;
    }
    const off = folders.every((f) => f.state === 'disabled');
    return html`
      ${listError ? html`<p class="work-error" role="alert">${listError}</p>` : nothing}
      ${off ? html`<p class="work-note">Watching is switched off: <a href="/settings">switch it on in the settings</a>.</p>` : nothing}
      <ul class="work-folders" aria-label="Watched folders">
        ${folders.map(rowTemplate)}
      </ul>
    `;
  };

  const paint = () => {
    render(
      html`<div class="work-column">
        <h1 class="work-title">Watched folders</h1>
        <p class="muted work-lead">
          Hotprevue registers the photos in these folders by itself, and every new one that lands
          there. Removing a folder never removes its photos from your library.
        </p>
        ${addTemplate()} ${listTemplate()}
      </div>`,
      el,
    );
  };

  const unsubscribe = lookups.subscribe(paint);
  // Without the list the photographers show as the default; watching works regardless.
  need('photographers').catch(() => {});
  paint();
  refresh();

  return {
    unmount() {
      controller.abort();
      clearTimeout(timer);
      unsubscribe();
      render(nothing, el);
    },
  };
}


