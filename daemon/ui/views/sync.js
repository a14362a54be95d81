// The Sync page. On a local daemon: the central servers this catalog is pushed to, with
// what each still lacks and how the last push went; "Sync now" (to one server, or to all)
// with live progress and Cancel; adding and removing servers. It offers what
// `hotprevue sync` and the tray's "Sync now" offer, sending everything again included.
// On central: the machines that push here, read-only, since their tokens are made and
// revoked on the server's own command line.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { app, toast } from '../store.js';
import { confirm } from '../components/dialog.js';
import { describedBy, fieldError, fieldOf } from '../components/fielderror.js';
import { count, moment, plural } from '../format.js';

// A push is followed closely; otherwise the pending counts are read now and then, since
// photos registered meanwhile add to them.
const RUN_POLL_MS = 700;
const IDLE_POLL_MS = 10_000;
const MACHINES_POLL_MS = 30_000;
const SHOWN_REFUSED = 20;

/**
 * A target as `GET /api/sync/status` shows it.
 * @typedef {object} TargetStatus
 * @property {string} id
 * @property {string} name
 * @property {string} url
 * @property {boolean} encrypted
 * @property {string|null} last_success_at
 * @property {string|null} last_error
 * @property {string|null} last_error_at
 * @property {number} pending_rows
 * @property {number} pending_photos
 * @property {number} pending_coldpreviews
 * @property {string|null} running the run pushing to it now
 */

/**
 * What `GET /api/sync/targets` adds: how this machine is named there, its CA file.
 * @typedef {object} TargetDetails
 * @property {string} id
 * @property {string} name
 * @property {string} machine_name
 * @property {string|null} ca_file
 */

/**
 * A push, running or ended.
 * @typedef {object} SyncRun
 * @property {string} id
 * @property {string} target_id
 * @property {string} target_name
 * @property {'running'|'succeeded'|'failed'|'cancelled'} state
 * @property {string} started_at
 * @property {string|null} finished_at
 * @property {number} rows_total
 * @property {number} rows_sent
 * @property {number} photos_sent
 * @property {number} coldpreviews_wanted
 * @property {number} coldpreviews_sent
 * @property {number} bytes_sent
 * @property {number} retries
 * @property {{hothash: string, reason: string}[]} refused
 * @property {string|null} error
 */

/**
 * A machine token on central, and the installation that pushes with it.
 * @typedef {object} Machine
 * @property {string} id
 * @property {string} name
 * @property {string|null} machine_name
 * @property {string} created_at
 * @property {string|null} first_sync_at
 * @property {string|null} last_sync_at
 * @property {string|null} revoked_at
 */

/** The add form's fields, by their names in the API. */
const TARGET_FIELDS = ['url', 'token', 'name', 'machine_name', 'ca_file'];

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountSync(root) {
  const el = document.createElement('div');
  el.className = 'page';
  root.append(el);
  const stop = app.get().mode === 'central' ? showMachines(el) : showTargets(el);
  return {
    unmount() {
      stop();
      render(nothing, el);
    },
  };
}

/**
 * This machine's servers.
 * @param {HTMLElement} el
 * @returns {() => void} stops the page
 */
function showTargets(el) {
  const aborts = new AbortController();
  const { signal } = aborts;
  const state = {
    loaded: false,
    /** the list could not be read */
    failed: '',
    /** @type {TargetStatus[]} */
    targets: [],
    /** @type {Map<string, TargetDetails>} */
    details: new Map(),
    /** the latest push to each target this page has seen, by target id
     * @type {Map<string, SyncRun>} */
    runs: new Map(),
    /** runs asked to stop @type {Set<string>} */
    cancelling: new Set(),
    /** targets with a start or a removal under way @type {Set<string>} */
    busy: new Set(),
    /** what the API refused for a target (a start, a removal), by target id
     * @type {Map<string, string>} */
    refusals: new Map(),
    form: {
      busy: false,
      /** @type {Record<string, string>} */
      errors: {},
      general: '',
    },
  };
  let stopped = false;
  let timer = 0;
  let reading = false;
  let again = false;

  const paint = () => {
    if (!stopped) render(page(), el);
  };

  /**
   * The focus fell with a button that was disabled or went away (Sync now while its
   * push runs, Cancel when it ends): give it to the row's other one.
   * @param {string} targetId
   * @param {string} selector
   */
  const refocus = (targetId, selector) => {
    if (document.activeElement && document.activeElement !== document.body) return;
    /** @type {HTMLElement|null} */ (el.querySelector(`[data-target-id="${targetId}"] ${selector}`))?.focus();
  };

  /**
   * Read the targets and every running push; again soon while one runs.
   * @returns {Promise<void>}
   */
  const refresh = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    clearTimeout(timer);
    /** targets whose push ended now @type {string[]} */
    const ended = [];
    try {
      const status = await api.get('/api/sync/status', undefined, { signal, retry: false });
      state.targets = status.targets;
      state.failed = '';
      // Ours, and those the tray or `hotprevue sync` started.
      const ids = new Set([...state.runs.values()].filter((r) => r.state === 'running').map((r) => r.id));
      for (const target of state.targets) if (target.running) ids.add(target.running);
      const runs = await Promise.all([...ids].map((id) => readRun(id)));
      for (const run of runs) {
        if (!run) continue;
        if (run.state !== 'running' && state.runs.get(run.target_id)?.state === 'running') ended.push(run.target_id);
        state.runs.set(run.target_id, run);
        if (run.state !== 'running') state.cancelling.delete(run.id);
      }
      state.loaded = true;
    } catch (error) {
      if (api.isAbort(error)) return;
      // Shown only while nothing is: later failures leave the last answer (and the
      // shell's banner says when the daemon does not answer).
      if (!state.loaded) state.failed = api.reason(error);
    } finally {
      reading = false;
    }
    paint();
    for (const id of ended) refocus(id, '.sync-now');
    if (stopped) return;
    if (again) {
      again = false;
      refresh();
      return;
    }
    // A push that just ended changed the pending counts: read them once more. A hidden
    // tab asks seldom, and at once when it is shown again.
    const busy = ended.length > 0 || [...state.runs.values()].some((r) => r.state === 'running');
    const shown = document.visibilityState === 'visible';
    timer = window.setTimeout(refresh, busy && shown ? RUN_POLL_MS : IDLE_POLL_MS);
  };

  /**
   * @param {string} id
   * @returns {Promise<SyncRun|null>} null: the daemon forgot it (it restarted)
   */
  const readRun = async (id) => {
    try {
      return await api.get(`/api/sync/runs/${id}`, undefined, { signal, retry: false });
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 404) {
        for (const [target, run] of state.runs) if (run.id === id) state.runs.delete(target);
        return null;
      }
      throw error;
    }
  };

  const readDetails = async () => {
    try {
      /** @type {TargetDetails[]} */
      const targets = await api.get('/api/sync/targets', undefined, { signal });
      state.details = new Map(targets.map((t) => [t.id, t]));
      paint();
    } catch {
      // Only how this machine is named there goes missing; the list shows without it.
    }
  };

  /**
   * Push to these targets now, each on its own.
   * @param {TargetStatus[]} targets
   * @param {boolean} full send everything again, as to a new server
   */
  const start = async (targets, full = false) => {
    for (const target of targets) {
      state.busy.add(target.id);
      state.refusals.delete(target.id);
    }
    paint();
    await Promise.all(
      targets.map(async (target) => {
        try {
          const run = await api.post('/api/sync/runs', { target: target.id, full }, { signal });
          state.runs.set(target.id, run);
        } catch (error) {
          if (!api.isAbort(error)) state.refusals.set(target.id, api.reason(error));
        } finally {
          state.busy.delete(target.id);
        }
      }),
    );
    paint();
    for (const target of targets) refocus(target.id, '.sync-cancel');
    refresh();
  };

  /** @param {SyncRun} run */
  const cancel = async (run) => {
    state.cancelling.add(run.id);
    paint();
    try {
      state.runs.set(run.target_id, await api.post(`/api/sync/runs/${run.id}/cancel`, undefined, { signal }));
    } catch (error) {
      if (api.isAbort(error)) return;
      state.cancelling.delete(run.id);
      state.refusals.set(run.target_id, api.reason(error));
    }
    paint();
    refresh();
  };

  /** @param {TargetStatus} target */
  const remove = async (target) => {
    const sure = await confirm(
      `Remove the server “${target.name}”?`,
      'Hotprevue stops sending to this server. Nothing is deleted there or here.',
      'Remove server',
    );
    if (!sure || stopped) return;
    state.busy.add(target.id);
    state.refusals.delete(target.id);
    paint();
    try {
      await api.del(`/api/sync/targets/${target.id}`, { signal });
      state.targets = state.targets.filter((t) => t.id !== target.id);
      state.runs.delete(target.id);
      state.details.delete(target.id);
      toast(`Removed “${target.name}”. What it received stays there.`);
      // Its row, and the button that had the focus, are gone.
      /** @type {HTMLElement|null} */ (el.querySelector('h1'))?.focus();
    } catch (error) {
      if (api.isAbort(error)) return;
      state.refusals.set(target.id, api.reason(error));
    } finally {
      state.busy.delete(target.id);
    }
    paint();
    refresh();
  };

  /** @param {SubmitEvent} event */
  const add = async (event) => {
    event.preventDefault();
    // The fields stay enabled while it is sent (disabling them would drop the focus).
    if (state.form.busy) return;
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const data = new FormData(form);
    const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
    /** @type {Record<string, string>} */
    const body = { url: text('url'), token: text('token') };
    // The optional ones are left out when empty: the API then picks its defaults.
    for (const name of ['name', 'machine_name', 'ca_file']) if (text(name)) body[name] = text(name);
    state.form = { busy: true, errors: {}, general: '' };
    paint();
    try {
      /** @type {TargetDetails} */
      const target = await api.post('/api/sync/targets', body, { signal });
      form.reset();
      state.form = { busy: false, errors: {}, general: '' };
      state.details.set(target.id, target);
      toast(`Added “${target.name}”. Sync now sends this catalog there.`);
      refresh();
    } catch (error) {
      if (api.isAbort(error)) return;
      const detail = api.reason(error);
      const field = error instanceof api.ApiError ? targetField(error, body.url) : null;
      state.form = { busy: false, errors: field ? { [field]: detail } : {}, general: field ? '' : detail };
      paint();
      if (field) /** @type {HTMLElement|null} */ (el.querySelector(`#target-${field}`))?.focus();
    }
  };

  const page = () => html`<div class="setup-page sync-page">
    <header class="setup-head">
      <h1 tabindex="-1">Sync</h1>
      <p class="muted">
        Sync sends this catalog to a central server, one way: what changes here goes there, nothing comes back, and
        the photo files stay on this machine.
      </p>
    </header>
    ${state.failed
      ? html`<div class="setup-failed" role="alert">
          <p>The servers could not be read: ${state.failed}</p>
          <button type="button" class="button" @click=${() => refresh()}>Try again</button>
        </div>`
      : !state.loaded
        ? html`<p class="muted"><span class="spinner is-small" aria-hidden="true"></span> Loading…</p>`
        : targetList()}
    ${addForm()}
  </div>`;

  const targetList = () => {
    const idle = state.targets.filter((t) => !t.running && !state.busy.has(t.id));
    return html`<section class="setup-section" aria-labelledby="sync-targets-title">
      <div class="setup-section-head">
        <h2 id="sync-targets-title">Central servers</h2>
        ${state.targets.length > 1
          ? html`<button type="button" class="button is-primary" ?disabled=${idle.length === 0} @click=${() => start(idle)}>
              Sync all
            </button>`
          : nothing}
      </div>
      ${state.targets.length === 0
        ? html`<p class="muted">
            No central server yet. Add one below with the token its owner made for this machine.
          </p>`
        : html`<ul class="setup-list">
            ${state.targets.map((target) => targetRow(target))}
          </ul>`}
    </section>`;
  };

  /** @param {TargetStatus} target */
  const targetRow = (target) => {
    const run = state.runs.get(target.id);
    const running = Boolean(target.running) || run?.state === 'running';
    const busy = running || state.busy.has(target.id);
    const details = state.details.get(target.id);
    const titleId = `sync-target-${target.id}`;
    return html`<li class="setup-row sync-target" data-target-id=${target.id} aria-labelledby=${titleId}>
      <div class="sync-target-head">
        <div class="sync-target-name">
          <h3 id=${titleId}>${target.name}</h3>
          <span class="mono">${target.url}</span>
          ${target.encrypted
            ? nothing
            : html`<span class="pill" title="Plain http is allowed to this machine and private networks only">Unencrypted</span>`}
        </div>
        <div class="setup-actions">
          <button
            type="button"
            class="button is-primary sync-now"
            aria-describedby=${titleId}
            ?disabled=${busy}
            @click=${() => start([target])}
          >
            Sync now
          </button>
          <button
            type="button"
            class="button"
            aria-describedby=${titleId}
            ?disabled=${busy}
            title="Sends the whole catalog again, as to a new server"
            @click=${() => start([target], true)}
          >
            Send everything again
          </button>
          <button type="button" class="button is-danger" aria-describedby=${titleId} ?disabled=${busy} @click=${() => remove(target)}>
            Remove
          </button>
        </div>
      </div>
      <dl class="setup-facts">
        <dt>Waiting to be sent</dt>
        <dd data-pending=${target.pending_photos}>${pendingText(target)}</dd>
        <dt>Last sync</dt>
        <dd>${lastResult(target)}</dd>
        ${details
          ? html`<dt>Known there as</dt>
              <dd>${details.machine_name}</dd>`
          : nothing}
        ${details?.ca_file
          ? html`<dt>Trusted CA</dt>
              <dd class="mono">${details.ca_file}</dd>`
          : nothing}
      </dl>
      ${run ? runBlock(run, target) : nothing}
      ${state.refusals.has(target.id) ? html`<p class="setup-error" role="alert">${state.refusals.get(target.id)}</p>` : nothing}
    </li>`;
  };

  /**
   * @param {SyncRun} run
   * @param {TargetStatus} target
   */
  const runBlock = (run, target) => {
    const live = run.state === 'running';
    const counting = live && run.rows_total === 0;
    const barId = `sync-run-${run.id}`;
    return html`<div class="sync-run ${live ? '' : `is-${run.state}`}">
      <div class="sync-run-line">
        <span class="sync-phase" role="status" id=${barId}>${headline(run, state.cancelling.has(run.id))}</span>
        ${live
          ? html`<button
              type="button"
              class="button is-quiet sync-cancel"
              ?disabled=${state.cancelling.has(run.id)}
              @click=${() => cancel(run)}
            >
              Cancel
            </button>`
          : nothing}
      </div>
      ${counting
        ? html`<progress class="sync-bar" aria-labelledby=${barId}></progress>`
        : html`<progress class="sync-bar" aria-labelledby=${barId} max=${Math.max(run.rows_total, 1)} value=${run.rows_total ? run.rows_sent : 1}></progress>`}
      <p class="sync-figures muted">${live ? `${activity(run)} · ` : ''}${figures(run, live ? target.pending_photos : null)}</p>
      ${run.refused.length > 0
        ? html`<details class="sync-refused">
            <summary>${plural(run.refused.length, 'photo was', 'photos were')} refused by the server</summary>
            <ul>
              ${run.refused.slice(0, SHOWN_REFUSED).map((p) => html`<li><span class="mono">${p.hothash.slice(0, 12)}</span> ${p.reason}</li>`)}
              ${run.refused.length > SHOWN_REFUSED ? html`<li>and ${count(run.refused.length - SHOWN_REFUSED)} more</li>` : nothing}
            </ul>
          </details>`
        : nothing}
    </div>`;
  };

  const addForm = () => {
    const { busy, errors, general } = state.form;
    /**
     * @param {string} name the API's field
     * @param {string} label
     * @param {import('../vendor/lit-html/lit-html.js').TemplateResult} input
     * @param {string} [hint]
     */
    const field = (name, label, input, hint) => html`<div class="field">
      <label class="field-label" for=${`target-${name}`}>${label}</label>
      ${input}
      ${hint ? html`<span class="setup-hint" id=${`target-${name}-hint`}>${hint}</span>` : nothing}
      ${fieldError(`target-${name}-error`, errors[name])}
    </div>`;
    const aria = (/** @type {string} */ name, /** @type {boolean} */ hinted = false) => ({
      describedby: describedBy(hinted ? `target-${name}-hint` : null, `target-${name}-error`, errors[name]),
      invalid: errors[name] ? 'true' : 'false',
    });
    const url = aria('url', true);
    const token = aria('token', true);
    const name = aria('name');
    const machine = aria('machine_name', true);
    const ca = aria('ca_file', true);
    return html`<section class="setup-section" aria-labelledby="sync-add-title">
      <h2 id="sync-add-title">Add a central server</h2>
      <p class="muted">
        Its owner makes a token for this machine there with <code>hotprevue machines add NAME</code>.
      </p>
      <form @submit=${add} aria-labelledby="sync-add-title">
        ${field(
          'url',
          'Server address',
          html`<input
            id="target-url"
            name="url"
            type="url"
            required
            maxlength="2000"
            pattern="[Hh][Tt][Tt][Pp][Ss]?://.+"
            title="The server’s address, https://HOST (plain http only on a private network)"
            placeholder="https://photos.example.org"
            autocomplete="url"
            spellcheck="false"
            aria-describedby=${url.describedby}
            aria-invalid=${url.invalid}
          />`,
          'https:// — plain http:// only to this machine or a private network.',
        )}
        ${field(
          'token',
          'Token',
          html`<input
            id="target-token"
            name="token"
            type="password"
            required
            maxlength="200"
            pattern="[!-~]+"
            title="The token exactly as the server printed it: letters, digits and punctuation, no spaces"
            autocomplete="off"
            spellcheck="false"
            aria-describedby=${token.describedby}
            aria-invalid=${token.invalid}
          />`,
          'Shown once on the server; it starts with hpm_.',
        )}
        ${field(
          'name',
          'Label (optional)',
          html`<input
            id="target-name"
            name="name"
            type="text"
            maxlength="200"
            pattern=".*\\S.*"
            title="Not only spaces"
            placeholder="The server’s host name"
            aria-describedby=${name.describedby}
            aria-invalid=${name.invalid}
          />`,
        )}
        <details class="setup-more">
          <summary>More options</summary>
          ${field(
            'machine_name',
            'This machine’s name there (optional)',
            html`<input
              id="target-machine_name"
              name="machine_name"
              type="text"
              maxlength="200"
              pattern=".*\\S.*"
              title="Not only spaces"
              aria-describedby=${machine.describedby}
              aria-invalid=${machine.invalid}
            />`,
            'Without one, this installation’s name (Settings), else the computer’s.',
          )}
          ${field(
            'ca_file',
            'CA certificate file (optional)',
            html`<input
              id="target-ca_file"
              name="ca_file"
              type="text"
              maxlength="4096"
              spellcheck="false"
              aria-describedby=${ca.describedby}
              aria-invalid=${ca.invalid}
            />`,
            'The full path, on this machine, of a PEM file: for a server whose certificate a private CA signed.',
          )}
        </details>
        ${general ? html`<p class="setup-error" role="alert">${general}</p>` : nothing}
        <div class="setup-form-actions">
          <button type="submit" class="button is-primary">Add server</button>
          ${busy ? html`<span class="spinner is-small" aria-hidden="true"></span>` : nothing}
        </div>
      </form>
    </section>`;
  };

  const onShown = () => {
    if (document.visibilityState === 'visible') refresh();
  };
  document.addEventListener('visibilitychange', onShown);
  paint();
  refresh();
  readDetails();
  return () => {
    stopped = true;
    clearTimeout(timer);
    aborts.abort();
    document.removeEventListener('visibilitychange', onShown);
  };
}

/**
 * Which field of the add form a refusal is about.
 * @param {api.ApiError} error
 * @param {string} url the address sent
 * @returns {string|null}
 */
function targetField(error, url) {
  const named = fieldOf(error.detail, TARGET_FIELDS);
  if (named) return named;
  if (/with this name/i.test(error.detail)) return 'name';
  // The address's own checks name no field: they quote it, or its host.
  if (/with this URL/i.test(error.detail) || error.detail.startsWith(url) || error.status === 422) return 'url';
  return null;
}

/** @param {TargetStatus} target */
function pendingText(target) {
  const other = target.pending_rows - target.pending_photos;
  const parts = [];
  if (target.pending_photos > 0) parts.push(plural(target.pending_photos, 'photo'));
  if (other > 0) parts.push(plural(other, target.pending_photos > 0 ? 'other change' : 'change'));
  if (target.pending_coldpreviews > 0) parts.push(plural(target.pending_coldpreviews, 'preview'));
  if (parts.length === 0) return 'Nothing — up to date';
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * How the last push ended, as the daemon recorded it.
 * @param {TargetStatus} target
 */
function lastResult(target) {
  const failedAt = target.last_error_at ? Date.parse(target.last_error_at) : -Infinity;
  const succeededAt = target.last_success_at ? Date.parse(target.last_success_at) : -Infinity;
  if (target.last_error && failedAt > succeededAt) {
    return html`<span class="sync-failed">Failed ${moment(target.last_error_at)}:</span> ${target.last_error}`;
  }
  if (target.last_success_at) return html`<span class="sync-ok">Succeeded</span> ${moment(target.last_success_at)}`;
  return 'Never';
}

/**
 * How a push goes, in a line a screen reader announces: it changes when the push
 * starts, is asked to stop and ends, not with each batch.
 * @param {SyncRun} run
 * @param {boolean} cancelling
 */
function headline(run, cancelling) {
  switch (run.state) {
    case 'succeeded':
      return `Synced to ${run.target_name}`;
    case 'failed':
      return `The sync to ${run.target_name} failed: ${run.error ?? 'no reason given'}`;
    case 'cancelled':
      return run.error
        ? `The sync to ${run.target_name} stopped: ${run.error}`
        : `Sync to ${run.target_name} cancelled. What the server acknowledged stays there.`;
    default:
      return cancelling ? `Stopping the sync to ${run.target_name} after its current request…` : `Syncing to ${run.target_name}…`;
  }
}

/**
 * What a running push is doing now.
 * @param {SyncRun} run
 */
function activity(run) {
  if (run.rows_total === 0) return 'Counting what to send';
  if (run.coldpreviews_sent < run.coldpreviews_wanted) return 'Uploading previews';
  if (run.rows_sent < run.rows_total) return 'Sending changes';
  return 'Finishing';
}

/**
 * @param {SyncRun} run
 * @param {number|null} pendingPhotos while it runs: the photos the server still lacks
 */
function figures(run, pendingPhotos) {
  const photos =
    pendingPhotos === null
      ? `${plural(run.photos_sent, 'photo')} sent`
      : `${count(run.photos_sent)} of ${plural(run.photos_sent + pendingPhotos, 'photo')} sent`;
  const parts = [`${count(run.rows_sent)} of ${plural(run.rows_total, 'change')}`, photos];
  if (run.coldpreviews_wanted > 0) parts.push(`${count(run.coldpreviews_sent)} of ${plural(run.coldpreviews_wanted, 'preview')} uploaded`);
  const end = run.finished_at ? Date.parse(run.finished_at) : Date.now();
  const seconds = Math.max(0, (end - Date.parse(run.started_at)) / 1000);
  const megabytes = run.bytes_sent / 1e6;
  parts.push(`${megabytes.toFixed(1)} MB` + (seconds >= 1 ? ` at ${(megabytes / seconds).toFixed(1)} MB/s` : ''));
  parts.push(seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`);
  if (run.retries > 0) parts.push(plural(run.retries, 'retry', 'retries'));
  return parts.join(' · ');
}

/**
 * Central: the machines that push here.
 * @param {HTMLElement} el
 * @returns {() => void} stops the page
 */
function showMachines(el) {
  const aborts = new AbortController();
  /** @type {{loaded: boolean, failed: string, machines: Machine[]}} */
  const state = { loaded: false, failed: '', machines: [] };
  let timer = 0;
  let stopped = false;

  const read = async () => {
    clearTimeout(timer);
    try {
      state.machines = await api.get('/api/machines', undefined, { signal: aborts.signal });
      state.loaded = true;
      state.failed = '';
    } catch (error) {
      if (api.isAbort(error)) return;
      if (!state.loaded) state.failed = api.reason(error);
    }
    if (stopped) return;
    paint();
    timer = window.setTimeout(read, MACHINES_POLL_MS);
  };

  const paint = () =>
    render(
      html`<div class="setup-page sync-page">
        <header class="setup-head">
          <h1>Sync</h1>
          <p class="muted">The machines that push their catalogs to this server. This server only shows them.</p>
        </header>
        <section class="setup-section" aria-labelledby="sync-machines-title">
          <h2 id="sync-machines-title">Machines</h2>
          <p class="setup-note">
            Machines are added and revoked on this server’s command line: <code>hotprevue machines add NAME</code>
            prints a token for a machine, which adds this server on its own Sync page;
            <code>hotprevue machines revoke NAME</code> stops it from pushing.
          </p>
          ${state.failed
            ? html`<div class="setup-failed" role="alert">
                <p>The machines could not be read: ${state.failed}</p>
                <button type="button" class="button" @click=${read}>Try again</button>
              </div>`
            : !state.loaded
              ? html`<p class="muted"><span class="spinner is-small" aria-hidden="true"></span> Loading…</p>`
              : state.machines.length === 0
                ? html`<p class="muted">No machine has a token here yet.</p>`
                : html`<ul class="setup-list">
                    ${state.machines.map((machine) => machineRow(machine))}
                  </ul>`}
        </section>
      </div>`,
      el,
    );

  paint();
  read();
  return () => {
    stopped = true;
    clearTimeout(timer);
    aborts.abort();
  };
}

/** @param {Machine} machine */
function machineRow(machine) {
  const titleId = `sync-machine-${machine.id}`;
  return html`<li class="setup-row ${machine.revoked_at ? 'is-revoked' : ''}" data-machine-id=${machine.id} aria-labelledby=${titleId}>
    <div class="sync-target-head">
      <div class="sync-target-name">
        <h3 id=${titleId}>${machine.name}</h3>
        ${machine.revoked_at ? html`<span class="pill">Revoked</span>` : nothing}
      </div>
    </div>
    <dl class="setup-facts">
      <dt>Calls itself</dt>
      <dd>${machine.machine_name ?? 'Not known until it pushes'}</dd>
      <dt>Last push</dt>
      <dd>${machine.last_sync_at ? moment(machine.last_sync_at) : 'Never'}</dd>
      <dt>First push</dt>
      <dd>${machine.first_sync_at ? moment(machine.first_sync_at) : 'Never'}</dd>
      <dt>Token made</dt>
      <dd>${moment(machine.created_at)}</dd>
      ${machine.revoked_at
        ? html`<dt>Revoked</dt>
            <dd>${moment(machine.revoked_at)}</dd>`
        : nothing}
    </dl>
  </li>`;
}
