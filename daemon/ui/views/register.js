// Register: start registering a folder (the folder browser picks it), follow a session
// live (wherever it was started: here, the CLI, the tray or a watched folder), read its
// summary, and find the recent sessions. `/register?session=<id>` shows one session.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { poll, router } from '../shell.js';
import { toast } from '../store.js';
import { defaultPhotographerLabel, lookups, need } from '../lookups.js';
import { count, moment, plural } from '../format.js';
import { confirm } from '../components/dialog.js';
import { chooseFolder, folderName } from '../components/folderbrowser.js';

/**
 * @typedef {object} Session an input session as the API gives it
 * @property {string} id
 * @property {string} name
 * @property {string} source_path
 * @property {boolean} recursive
 * @property {'pending'|'running'|'uploading'|'completed'|'cancelled'|'interrupted'|'failed'} status
 * @property {string|null} started_at
 * @property {string|null} completed_at
 * @property {string} created_at
 * @property {number} files_found
 * @property {number} files_ignored
 * @property {number|null} groups_total null until the folder is counted
 * @property {number} groups_done
 * @property {number} photo_count
 * @property {number} duplicate_count
 * @property {number} already_registered_count
 * @property {number} error_count
 * @property {number} damaged_count registered, their originals flagged damaged
 * @property {string|null} failure
 * @property {string|null} watched_folder_id
 * @property {number|null} rate photos a second, while it runs
 * @property {number|null} eta_seconds
 */

/**
 * @typedef {object} SessionError
 * @property {string} id
 * @property {string} file_path
 * @property {string} error the technical text
 * @property {string} message the same in words for photographers
 * @property {string|null} detail the technical text, for the tooltip
 */

const FINISHED = new Set(['completed', 'cancelled', 'interrupted', 'failed']);
const STATUS = {
  pending: 'Waiting to start',
  running: 'Registering',
  uploading: 'Receiving from another machine',
  completed: 'Completed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
  failed: 'Failed',
};
// A running session is asked this often while the page is seen, and less when not.
const FOLLOW_MS = 700;
const FOLLOW_HIDDEN_MS = 5000;
// Sessions started elsewhere (the CLI, the tray, a watched folder) show up this soon.
const RECENT_MS = 5000;
const RECENT_PAGE = 20;
const ERRORS_PAGE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * @param {number|null} seconds
 * @returns {string} e.g. "about 2 min left"
 */
export function etaText(seconds) {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 45) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest ? ` ${rest} min` : ''} left`;
}

/**
 * @param {number|null} rate photos a second
 * @returns {string} e.g. "12 photos/s", "0.4 photos/s"; '' before the first is done
 */
export function rateText(rate) {
  if (!rate) return '';
  const shown = rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10;
  return `${plural(shown, 'photo')}/s`;
}

/**
 * @param {HTMLElement} root
 * @param {import('../router.js').RouteContext} ctx
 * @returns {import('../router.js').MountedView}
 */
export default function mountRegister(root, ctx) {
  const el = document.createElement('div');
  el.className = 'page work-page';
  root.append(el);
  const controller = new AbortController();
  const { signal } = controller;

  const form = {
    folder: '',
    name: '',
    // The user typed a name: choosing another folder keeps it.
    named: false,
    photographer: '',
    event: '',
    recursive: true,
    busy: false,
    error: '',
  };

  /**
   * The session shown: its id from the URL, its figures once asked.
   * @param {string|null} id
   * @param {Session|null} [known] what the page already knows (the answer that started it)
   */
  const fresh = (id, known = null) => ({
    id,
    /** @type {Session|null} */
    data: known && known.id === id ? known : null,
    error: '',
    /** @type {SessionError[]} */
    errors: [],
    errorsError: '',
    // The last page of errors was short: there are no more.
    errorsEnd: false,
    cancelling: false,
  });
  let shown = fresh(ctx.query.get('session'), ctx.state?.session);

  const recent = {
    /** @type {Session[]|null} */
    list: null,
    limit: RECENT_PAGE,
    error: '',
  };

  let followTimer = 0;
  let recentTimer = 0;
  // The session was started here: its heading takes the focus the form had.
  let focusSession = false;

  const follow = async () => {
    clearTimeout(followTimer);
    const id = shown.id;
    if (!id) return;
    if (!UUID.test(id)) {
      shown.error = 'This address names no registration session.';
      paint();
      return;
    }
    try {
      /** @type {Session} */
      const session = await api.get(`/api/input-sessions/${id}`, undefined, { signal });
      if (shown.id !== id) return;
      const wasRunning = shown.data !== null && !FINISHED.has(shown.data.status);
      shown.data = session;
      shown.error = '';
      if (FINISHED.has(session.status)) {
        if (session.error_count > 0 && shown.errors.length === 0) loadErrors();
        if (wasRunning) loadRecent();
      } else {
        clearTimeout(followTimer);
        followTimer = setTimeout(follow, document.visibilityState === 'visible' ? FOLLOW_MS : FOLLOW_HIDDEN_MS);
      }
    } catch (failure) {
      if (api.isAbort(failure) || shown.id !== id) return;
      shown.error =
        failure instanceof api.ApiError && failure.status === 404
          ? 'There is no such registration session: it may have been forgotten.'
          : `Could not read the session: ${api.reason(failure)}`;
    }
    paint();
  };

  const loadErrors = async () => {
    const id = shown.id;
    try {
      /** @type {SessionError[]} */
      const page = await api.get(
        `/api/input-sessions/${id}/errors`,
        { limit: ERRORS_PAGE, offset: shown.errors.length },
        { signal },
      );
      if (shown.id !== id) return;
      shown.errors = [...shown.errors, ...page];
      shown.errorsEnd = page.length < ERRORS_PAGE;
      shown.errorsError = '';
    } catch (failure) {
      if (api.isAbort(failure) || shown.id !== id) return;
      shown.errorsError = `Could not list the files: ${api.reason(failure)}`;
    }
    paint();
  };

  const loadRecent = async () => {
    clearTimeout(recentTimer);
    try {
      recent.list = await api.get('/api/input-sessions', { limit: recent.limit }, { signal, retry: false });
      recent.error = '';
    } catch (failure) {
      if (api.isAbort(failure)) return;
      recent.error = `Could not list the sessions: ${api.reason(failure)}`;
    }
    paint();
    clearTimeout(recentTimer);
    recentTimer = setTimeout(loadRecent, RECENT_MS);
  };

  const pick = async () => {
    const path = await chooseFolder({ title: 'Choose the folder to register', start: form.folder || undefined });
    if (path === null) return;
    form.folder = path;
    form.error = '';
    if (!form.named) form.name = folderName(path);
    paint();
  };

  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    if (!form.folder || form.busy) return;
    form.busy = true;
    form.error = '';
    paint();
    try {
      /** @type {Session} */
      const session = await api.post(
        '/api/input-sessions',
        {
          name: form.name.trim() || folderName(form.folder),
          source_path: form.folder,
          recursive: form.recursive,
          default_photographer_id: form.photographer || null,
          default_event_id: form.event || null,
        },
        { signal },
      );
      form.folder = '';
      form.name = '';
      form.named = false;
      focusSession = true;
      router.navigate(`/register?session=${session.id}`, { state: { session } });
      poll();
    } catch (failure) {
      if (api.isAbort(failure)) return;
      form.error = api.reason(failure);
    } finally {
      form.busy = false;
      paint();
    }
  };

  const cancel = async () => {
    const session = shown.data;
    if (!session) return;
    const sure = await confirm(
      `Stop registering “${session.name}”?`,
      'Hotprevue stops registering this folder. The photos registered so far stay in your library; register the folder again to add the rest.',
      'Stop registering',
    );
    if (!sure || shown.id !== session.id) return;
    shown.cancelling = true;
    paint();
    try {
      const after = await api.post(`/api/input-sessions/${session.id}/cancel`, undefined, { signal });
      if (shown.id === session.id) shown.data = after;
      poll();
      loadRecent();
    } catch (failure) {
      if (api.isAbort(failure)) return;
      // Finished meanwhile (409): the summary says how.
      toast(`Could not stop “${session.name}”: ${api.reason(failure)}`, { kind: 'error' });
    } finally {
      shown.cancelling = false;
      follow();
    }
  };

  const photographerOptions = () => {
    const people = lookups.get().photographers;
    // The default photographer comes first (the API's order); '' leaves it to the daemon.
    const first = people?.[0];
    return html`
      <option value="" ?selected=${form.photographer === ''}>${defaultPhotographerLabel(first?.label)}</option>
      ${(people ?? []).slice(1).map((p) => html`<option value=${p.value} ?selected=${form.photographer === p.value}>${p.label}</option>`)}
    `;
  };

  const eventOptions = () => html`
    <option value="" ?selected=${form.event === ''}>No event</option>
    ${(lookups.get().events ?? []).map(
      (e) => html`<option value=${e.value} ?selected=${form.event === e.value}>${e.child ? `\u2003${e.label}` : e.label}</option>`,
    )}
  `;

  const formTemplate = () => html`
    <form class="work-card" aria-labelledby="register-form-title" @submit=${submit}>
      <h2 id="register-form-title">Register a folder</h2>
      <p class="muted work-lead">
        Hotprevue reads the photos where they are and keeps small previews in its catalog; the
        files are not moved, copied or changed. Photos it already knows are skipped.
      </p>
      <div class="field">
        <span class="field-label" id="register-folder-label">Folder</span>
        <div class="work-folder">
          <span class="work-folder-path ${form.folder ? '' : 'is-empty'}" id="register-folder">${form.folder || 'No folder chosen yet'}</span>
          <button type="button" class="button" aria-describedby="register-folder-label register-folder" @click=${pick}>
            ${form.folder ? 'Change…' : 'Choose a folder…'}
          </button>
        </div>
      </div>
      <label class="field">
        <span class="field-label">Name</span>
        <input
          type="text"
          name="name"
          maxlength="200"
          autocomplete="off"
          placeholder=${form.folder ? folderName(form.folder) : 'The folder’s name'}
          .value=${form.name}
          @input=${(/** @type {InputEvent} */ e) => {
            form.name = /** @type {HTMLInputElement} */ (e.target).value;
            form.named = form.name.trim() !== '';
          }}
        />
      </label>
      <div class="field-row">
        <label class="field">
          <span class="field-label">Photographer</span>
          <select
            name="photographer"
            @change=${(/** @type {Event} */ e) => {
              form.photographer = /** @type {HTMLSelectElement} */ (e.target).value;
            }}
          >
            ${photographerOptions()}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Event (optional)</span>
          <select
            name="event"
            @change=${(/** @type {Event} */ e) => {
              form.event = /** @type {HTMLSelectElement} */ (e.target).value;
            }}
          >
            ${eventOptions()}
          </select>
        </label>
      </div>
      <label class="check">
        <input
          type="checkbox"
          name="recursive"
          .checked=${form.recursive}
          @change=${(/** @type {Event} */ e) => {
            form.recursive = /** @type {HTMLInputElement} */ (e.target).checked;
          }}
        />
        Include subfolders
      </label>
      ${form.error ? html`<p class="work-error" role="alert">${form.error}</p>` : nothing}
      <div class="work-actions">
        <button type="submit" class="button is-primary" ?disabled=${!form.folder || form.busy}>
          ${form.busy ? html`<span class="spinner is-small" aria-hidden="true"></span>` : nothing}Register
        </button>
      </div>
    </form>
  `;

  /** @param {Session} s */
  const progressTemplate = (s) => {
    const total = s.groups_total;
    const counted = total !== null && total > 0 && s.status === 'running';
    let text;
    if (s.status === 'pending') text = 'Waiting to start…';
    else if (s.status === 'uploading') text = `${plural(s.groups_done, 'photo')} received so far`;
    else if (total === null) text = `Looking for photos · ${plural(s.files_found, 'file')} found`;
    else text = `${count(s.groups_done)} of ${plural(total, 'photo')}`;
    return html`
      <div class="work-progress">
        <progress
          aria-labelledby="register-progress-text"
          max=${counted ? total : nothing}
          value=${counted ? s.groups_done : nothing}
        ></progress>
        <p class="work-progress-figures">
          <span id="register-progress-text">${text}</span>
          ${rateText(s.rate) ? html`<span>${rateText(s.rate)}</span>` : nothing}
          ${etaText(s.eta_seconds) ? html`<span>${etaText(s.eta_seconds)}</span>` : nothing}
        </p>
        <p class="muted">
          ${count(s.photo_count)} registered · ${count(s.already_registered_count)} already registered ·
          ${plural(s.duplicate_count, 'duplicate')} · ${plural(s.error_count, 'error')}
        </p>
        ${s.status === 'uploading'
          ? nothing
          : html`<div class="work-actions">
              <button type="button" class="button is-danger" ?disabled=${shown.cancelling} @click=${cancel}>
                ${shown.cancelling ? 'Stopping…' : 'Cancel'}
              </button>
            </div>`}
      </div>
    `;
  };

  /** @param {Session} s */
  const summaryTemplate = (s) => html`
    <section class="work-summary" aria-label="Summary">
      ${s.status === 'completed'
        ? html`<p>Finished ${moment(s.completed_at)}.</p>`
        : s.status === 'cancelled'
          ? html`<p>Stopped before the end. The photos registered so far stay in your library; register the folder again to add the rest.</p>`
          : nothing}
      ${s.failure ? html`<p class="work-error">${s.failure}</p>` : nothing}
      <dl class="work-counts">
        <div>
          <dt>Registered</dt>
          <dd data-count="registered">${count(s.photo_count)}</dd>
        </div>
        <div>
          <dt>Already registered</dt>
          <dd data-count="already_registered">${count(s.already_registered_count)}</dd>
        </div>
        <div>
          <dt>Duplicates</dt>
          <dd data-count="duplicates">
            ${s.duplicate_count > 0
              ? html`<a href="/duplicates?session=${s.id}" aria-label=${`${plural(s.duplicate_count, 'duplicate')}: review them`}>${count(s.duplicate_count)}</a>`
              : count(s.duplicate_count)}
          </dd>
        </div>
        <div>
          <dt>Damaged</dt>
          <dd data-count="damaged">
            ${s.damaged_count > 0
              ? html`<a href="/?session=${s.id}&damaged=1" aria-label=${`${plural(s.damaged_count, 'damaged photo')}: show them`}>${count(s.damaged_count)}</a>`
              : count(s.damaged_count)}
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd data-count="errors">${count(s.error_count)}</dd>
        </div>
      </dl>
      ${s.damaged_count > 0
        ? html`<p class="muted">
            ${plural(s.damaged_count, 'photo')} ${s.damaged_count === 1 ? 'was' : 'were'} registered from a damaged
            original: ${s.damaged_count === 1 ? 'it is' : 'they are'} in your library, flagged, and part of the
            picture may be grey.
          </p>`
        : nothing}
      ${s.files_ignored > 0
        ? html`<p class="muted">${plural(s.files_ignored, 'other file')} (not photos) ${s.files_ignored === 1 ? 'was' : 'were'} left alone.</p>`
        : nothing}
      <p class="work-links">
        ${s.photo_count > 0 ? html`<a class="button is-primary" href="/?session=${s.id}">Show the ${plural(s.photo_count, 'photo')} in the library</a>` : nothing}
        ${s.duplicate_count > 0 ? html`<a class="button" href="/duplicates?session=${s.id}">Review the ${plural(s.duplicate_count, 'duplicate')}</a>` : nothing}
        <a class="button" href="/register">Register another folder</a>
      </p>
      ${s.error_count > 0 ? errorsTemplate(s) : nothing}
    </section>
  `;

  /** @param {Session} s */
  const errorsTemplate = (s) => html`
    <h3 class="work-subtitle">${plural(s.error_count, 'file')} could not be registered</h3>
    <ul class="work-errors">
      ${shown.errors.map(
        (e) => html`<li>
          <span class="work-error-path">${e.file_path}</span>
          <span class="work-error-why" title=${e.detail ?? e.error}>${e.message || e.error}</span>
        </li>`,
      )}
    </ul>
    ${shown.errorsError ? html`<p class="work-error" role="alert">${shown.errorsError}</p>` : nothing}
    ${!shown.errorsEnd && shown.errors.length > 0 && shown.errors.length < s.error_count
      ? html`<button type="button" class="button" @click=${loadErrors}>Show more</button>`
      : nothing}
  `;

  const sessionTemplate = () => {
    const s = shown.data;
    if (!s) {
      return html`<section class="work-card">
        ${shown.error
          ? html`<p class="work-error" role="alert">${shown.error}</p>
              <p><a class="button" href="/register">Register a folder</a></p>`
          : html`<p class="muted"><span class="spinner is-small" aria-hidden="true"></span> Loading the session…</p>`}
      </section>`;
    }
    const finished = FINISHED.has(s.status);
    return html`<section class="work-card" aria-labelledby="register-session-title">
      <header class="work-card-head">
        <h2 id="register-session-title" tabindex="-1">${s.name}</h2>
        <span class="work-state is-${s.status}">${STATUS[s.status] ?? s.status}</span>
      </header>
      <p class="work-source">
        ${s.source_path}${s.recursive ? '' : ' · without subfolders'}${s.watched_folder_id ? ' · from a watched folder' : ''}
      </p>
      <p class="visually-hidden" role="status">${finished ? `${STATUS[s.status]}: ${countsText(s)}` : ''}</p>
      ${shown.error ? html`<p class="work-error" role="alert">${shown.error}</p>` : nothing}
      ${finished ? summaryTemplate(s) : progressTemplate(s)}
    </section>`;
  };

  /** @param {Session} s */
  const countsText = (s) =>
    [
      `${count(s.photo_count)} registered`,
      s.already_registered_count ? `${count(s.already_registered_count)} already registered` : '',
      s.duplicate_count ? plural(s.duplicate_count, 'duplicate') : '',
      s.error_count ? plural(s.error_count, 'error') : '',
    ]
      .filter(Boolean)
      .join(' · ');

  const recentTemplate = () => html`
    <section class="work-card" aria-labelledby="register-recent-title">
      <h2 id="register-recent-title">Recent sessions</h2>
      ${recent.error && recent.list === null ? html`<p class="work-error" role="alert">${recent.error}</p>` : nothing}
      ${recent.list === null
        ? recent.error
          ? nothing
          : html`<p class="muted"><span class="spinner is-small" aria-hidden="true"></span> Loading…</p>`
        : recent.list.length === 0
          ? html`<p class="muted">Nothing has been registered yet.</p>`
          : html`<table class="work-table">
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Started</th>
                  <th scope="col">Status</th>
                  <th scope="col">Photos</th>
                </tr>
              </thead>
              <tbody>
                ${recent.list.map(
                  (s) => html`<tr aria-current=${s.id === shown.id ? 'true' : nothing}>
                    <td>
                      <a href="/register?session=${s.id}">${s.name}</a>
                      <span class="work-cell-note" title=${s.source_path}>${s.watched_folder_id ? 'Watched folder · ' : ''}${s.source_path}</span>
                    </td>
                    <td>${moment(s.started_at ?? s.created_at)}</td>
                    <td><span class="work-state is-${s.status}">${STATUS[s.status] ?? s.status}</span></td>
                    <td>${countsText(s)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
            ${recent.list.length >= recent.limit
              ? html`<div class="work-actions is-start">
                  <button
                    type="button"
                    class="button"
                    @click=${() => {
                      recent.limit += RECENT_PAGE;
                      loadRecent();
                    }}
                  >
                    Show more
                  </button>
                </div>`
              : nothing}`}
    </section>
  `;

  const paint = () => {
    render(
      html`<div class="work-column">
        <h1 class="work-title">Register photos</h1>
        ${shown.id ? sessionTemplate() : formTemplate()} ${recentTemplate()}
      </div>`,
      el,
    );
    if (focusSession && shown.data) {
      focusSession = false;
      /** @type {HTMLElement|null} */ (el.querySelector('#register-session-title'))?.focus();
    }
  };

  const unsubscribe = lookups.subscribe(paint);
  // Failures show as the default choices only: registering works without the lists.
  need('photographers').catch(() => {});
  need('events').catch(() => {});
  paint();
  follow();
  loadRecent();

  return {
    update(next) {
      const id = next.query.get('session');
      if (id === shown.id) return;
      clearTimeout(followTimer);
      shown = fresh(id, next.state?.session);
      paint();
      follow();
      loadRecent();
    },
    unmount() {
      controller.abort();
      clearTimeout(followTimer);
      clearTimeout(recentTimer);
      unsubscribe();
      render(nothing, el);
    },
  };
}


