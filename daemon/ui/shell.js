// The shell: top bar, notices and the view's <main>; the session, the router, the
// global keys, and keeping the list fresh (activity polling on a local daemon, a
// periodic re-read on central).

import { html, nothing, render } from './vendor/lit-html/lit-html.js';
import * as api from './api.js';
import { Router } from './router.js';
import { notFound, routes, signIn } from './routes.js';
import { app, dismissToast, readOnly } from './store.js';
import { browse } from './grid/model.js';
import { count, plural } from './format.js';
import { setDefaultSort } from './filters.js';

/** The app's router; views navigate with `router.navigate(url)`. */
export const router = new Router(routes, notFound, (route) => {
  if (route.local && app.get().mode === 'central') return notFound;
  return route.public || app.get().session || api.getToken() ? route : signIn;
});

const ACTIVE_MS = 1000;
const IDLE_MS = 10_000;
const CENTRAL_MS = 60_000;
// The first screen comes first.
const FIRST_POLL_MS = 3000;
const RUNNING = new Set(['pending', 'running', 'uploading']);
// Watched folders whose new photos get registered now, and those that need a look.
const WATCHING = new Set(['starting', 'scanning', 'watching', 'polling']);
const FOLDER_TROUBLE = new Set(['offline', 'error']);
// The views that show the library's list, in its filters' order.
const LISTS = new Set(['library', 'photo']);

function boot() {
  const shell = document.getElementById('app');
  if (!shell) return;
  shell.replaceChildren();
  const top = document.createElement('div');
  const main = document.createElement('main');
  main.className = 'view';
  main.id = 'main';
  const messages = document.createElement('div');
  shell.append(top, main, messages);

  const paint = () => {
    const state = app.get();
    render(topbar(state), top);
    render(notices(state), messages);
  };
  app.subscribe(paint);
  router.subscribe(paint);

  api.apiEvents.addEventListener('unauthorized', () => signedOut());
  api.apiEvents.addEventListener('connection', (e) => app.set({ down: /** @type {CustomEvent} */ (e).detail.down }));
  document.addEventListener('keydown', onKey);

  // The sign-in page checks a kept token itself.
  if (api.getToken() && location.pathname !== '/login') checkSession();
  router.start(main);
  paint();
  pollTimer = setTimeout(poll, FIRST_POLL_MS);
  // Shown again: ask now rather than at the end of the idle wait.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && app.get().activity) poll();
  });
  // Back in the window: photos may have changed meanwhile (another window, the tray,
  // central's machines pushing).
  window.addEventListener('focus', () => refreshList(true));
  if (app.get().mode === 'central') setInterval(() => refreshList(true), CENTRAL_MS);
}

/** Who this page talks to; a 401 ends in the sign-in page (through `unauthorized`). */
async function checkSession() {
  try {
    // A list shown in the default order this browser remembered is shown again when
    // the catalog's default has changed since.
    if (learn(await api.get('/api/ui/session')) && LISTS.has(router.current?.route.name ?? '')) {
      router.render();
    }
  } catch {
    // A 401 signs the page out (`unauthorized`); the banner covers the rest.
  }
}

/**
 * The session is over (signed out here, expired, or revoked): forget the token and
 * show the sign-in page in place, so signing in again comes back here.
 */
function signedOut() {
  const had = api.getToken() !== null || app.get().session !== null;
  api.setToken(null);
  app.set({ session: null });
  if (had) router.render();
}

/** @param {import('./store.js').Session} session a new session: show the app */
export function signedIn(session) {
  learn(session);
}

/**
 * @param {import('./store.js').Session} session what the daemon says of this page's session
 * @returns {boolean} whether the catalog's default order differs from the one lists were shown in
 */
function learn(session) {
  app.set({ session });
  return setDefaultSort(session.default_sort);
}

async function signOut() {
  try {
    await api.del('/api/ui/session');
  } catch {
    // Signed out here regardless: the token is forgotten below.
  }
  api.setToken(null);
  app.set({ session: null });
  router.navigate('/login', { replace: true });
}

/** @param {import('./store.js').AppState} state */
function topbar(state) {
  const signedInNow = state.session !== null;
  const current = router.current?.route.name;
  return html`<header class="topbar">
    <a class="brand" href="/" aria-label="Hotprevue, library">
      <span class="brand-mark" aria-hidden="true"></span>
      <span class="brand-name">Hotprevue</span>
    </a>
    ${signedInNow && state.session?.instance_name
      ? html`<span class="instance" title="This catalog">${state.session.instance_name}</span>`
      : nothing}
    ${signedInNow
      ? html`<nav class="nav" aria-label="Main">
          ${routes
            .filter((r) => r.nav && !(r.local && state.mode === 'central'))
            .map(
              (r) => html`<a class="nav-link" href=${r.path} aria-current=${current === r.name ? 'page' : 'false'}>${r.nav}</a>`,
            )}
        </nav>`
      : nothing}
    <span class="toolbar-spacer"></span>
    <span class="activity-slot" role="status">
      ${state.activity
        ? html`<a class="activity" href=${state.activity.href}>
            <span class="${state.activity.busy ? 'spinner is-small' : 'activity-dot'}" aria-hidden="true"></span>
            <span class="activity-text">${state.activity.running}</span>
          </a>`
        : nothing}
    </span>
    ${signedInNow && readOnly() ? html`<span class="pill" title="This server shows the catalog; it cannot change it">Read-only</span>` : nothing}
    <button type="button" class="icon-button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" @click=${showKeys}>?</button>
    ${signedInNow ? html`<button type="button" class="button is-quiet" @click=${signOut}>Sign out</button>` : nothing}
  </header>`;
}

/**
 * The banner (the daemon is not answering) and the toasts (what an action did, what
 * failed, with an optional Undo).
 * @param {import('./store.js').AppState} state
 */
function notices(state) {
  return html`
    ${state.down
      ? html`<div class="banner" role="alert">
          <span class="spinner" aria-hidden="true"></span>
          Hotprevue is not answering — retrying…
        </div>`
      : null}
    <div class="toasts" role="status" aria-live="polite">
      ${state.toasts.map(
        (t) => html`<div class="toast ${t.kind === 'error' ? 'is-error' : ''}">
          <span class="toast-text">${t.message}</span>
          ${t.action
            ? html`<button
                class="toast-action"
                @click=${() => {
                  dismissToast(t.id);
                  t.action?.run();
                }}
              >
                ${t.action.label}
              </button>`
            : null}
          <button class="toast-close icon-button" aria-label="Dismiss" @click=${() => dismissToast(t.id)}>×</button>
        </div>`,
      )}
    </div>
  `;
}

async function showKeys() {
  const { showKeyHelp } = await import('./components/keyhelp.js');
  showKeyHelp(readOnly());
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.defaultPrevented || event.isComposing) return;
  const target = /** @type {HTMLElement} */ (event.target);
  // Typing in a field is typing, not a shortcut; a modal dialog has the keys to itself.
  if (target.closest?.('input, textarea, select, [contenteditable], dialog')) return;
  if (document.querySelector('dialog[open]')) return;
  if (router.onKey(event)) {
    event.preventDefault();
    return;
  }
  if (event.key === '?' && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    showKeys();
  }
}

/** @param {boolean} [revalidate] fetch the photos shown again too */
function refreshList(revalidate = false) {
  if (app.get().session && browse.buckets !== null) browse.refresh(revalidate);
}

let lastCount = -1;
let pollTimer = 0;

/**
 * Ask what the daemon is doing: new photos refresh the list, the status line says what
 * runs now; while a session registers (or a sync runs) and the tab is shown, every
 * second, else every ten. A page that just changed what runs (started a session, added
 * or paused a folder) calls it so that the status line follows at once.
 */
export async function poll() {
  if (app.get().mode === 'central') return;
  let busy = false;
  if (app.get().session || api.getToken()) {
    try {
      const activity = await api.get('/api/activity', undefined, { retry: false });
      const now = describe(activity);
      busy = now?.busy ?? false;
      const before = app.get().activity;
      if (now?.running !== before?.running || now?.href !== before?.href || now?.busy !== before?.busy) {
        app.set({ activity: now });
      }
      if (lastCount >= 0 && activity.photo_count !== lastCount) refreshList();
      lastCount = activity.photo_count;
    } catch {
      // Not answering or signed out: the banner or the sign-in page says so.
    }
  }
  const visible = document.visibilityState === 'visible';
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, busy && visible ? ACTIVE_MS : IDLE_MS);
}

/**
 * The status line: registering first, then syncing, then the watched folders; nothing
 * when nothing runs and no folder is watched. `href` is the page that shows more.
 * @param {any} activity the answer of `/api/activity`
 * @returns {{running: string, href: string, busy: boolean}|null}
 */
function describe(activity) {
  const sessions = activity.sessions.filter((s) => RUNNING.has(s.status));
  const syncing = activity.sync.targets.filter((t) => t.running);
  const syncText = syncing.length > 0 ? `Syncing to ${syncing[0].name}${syncing.length > 1 ? ` and ${plural(syncing.length - 1, 'other')}` : ''}` : '';
  if (sessions.length > 0) {
    const s = sessions[0];
    let text;
    if (s.status === 'uploading') text = `Receiving “${s.name}” · ${plural(s.groups_done, 'photo')}`;
    else if (s.groups_total) text = `Registering “${s.name}” · ${count(s.groups_done)} of ${count(s.groups_total)}`;
    else if (s.files_found) text = `Registering “${s.name}” · ${plural(s.files_found, 'file')} found`;
    else text = `Registering “${s.name}”…`;
    if (sessions.length > 1) text += ` · ${plural(sessions.length - 1, 'more session')}`;
    if (syncText) text += ` · ${syncText}`;
    return { running: text, href: `/register?session=${s.id}`, busy: true };
  }
  if (syncText) return { running: syncText, href: '/sync', busy: true };
  const folders = activity.watched_folders;
  const watching = folders.filter((f) => WATCHING.has(f.state)).length;
  const trouble = folders.filter((f) => FOLDER_TROUBLE.has(f.state)).length;
  if (watching === 0 && trouble === 0) return null;
  const parts = [];
  if (watching > 0) parts.push(`Watching ${plural(watching, 'folder')}`);
  if (trouble > 0) parts.push(`${plural(trouble, 'watched folder')} ${trouble === 1 ? 'needs' : 'need'} attention`);
  return { running: parts.join(' · '), href: '/watched', busy: false };
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
