// A small observable state: views subscribe and re-render; nothing else holds UI state
// that two views share. Performance-critical state (the grid's pages) lives in its own
// model with its own events; this store carries what the shell and views show.

/**
 * @template T
 * @typedef {object} Store
 * @property {() => T} get
 * @property {(patch: Partial<T>) => void} set merge a patch and notify
 * @property {(listener: (state: T) => void) => () => void} subscribe returns unsubscribe
 */

/**
 * @template {object} T
 * @param {T} initial
 * @returns {Store<T>}
 */
export function createStore(initial) {
  let state = initial;
  /** @type {Set<(state: T) => void>} */
  const listeners = new Set();
  let queued = false;
  // Many sets in one task notify once, in a microtask.
  const notify = () => {
    queued = false;
    for (const listener of [...listeners]) listener(state);
  };
  return {
    get: () => state,
    set(patch) {
      state = /** @type {T} */ ({ .../** @type {object} */ (state), ...patch });
      if (!queued) {
        queued = true;
        queueMicrotask(notify);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * @typedef {object} Session
 * @property {'local'|'central'} mode
 * @property {boolean} read_only
 * @property {string} instance_name
 * @property {string} default_sort the catalog's PhotoSort for a list that names none
 * @property {string} version
 * @property {string} expires_at
 */

/**
 * @typedef {object} Toast
 * @property {number} id
 * @property {string} message
 * @property {'info'|'error'} kind
 * @property {{label: string, run: () => void}} [action]
 */

/**
 * @typedef {object} AppState
 * @property {'local'|'central'} mode from <html data-mode>
 * @property {Session|null} session null: signed out (or not known yet)
 * @property {boolean} down the daemon is not answering
 * @property {Toast[]} toasts
 * @property {{running: string, href: string, busy: boolean}|null} activity what the daemon is busy with (local), and the page that shows it
 */

const modeAttribute = document.documentElement.dataset.mode;

/** @type {Store<AppState>} */
export const app = createStore(/** @type {AppState} */ ({
  mode: modeAttribute === 'central' ? 'central' : 'local',
  session: null,
  down: false,
  toasts: [],
  activity: null,
}));

/** @returns {boolean} whether edits are off (central, or a read-only session) */
export function readOnly() {
  const { mode, session } = app.get();
  return mode === 'central' || Boolean(session?.read_only);
}

let toastId = 0;

/**
 * Show a toast for a while.
 * @param {string} message
 * @param {{kind?: 'info'|'error', action?: {label: string, run: () => void}, ms?: number}} [options]
 */
export function toast(message, options = {}) {
  const id = (toastId += 1);
  const kind = options.kind ?? 'info';
  app.set({ toasts: [...app.get().toasts.slice(-3), { id, message, kind, action: options.action }] });
  setTimeout(() => dismissToast(id), options.ms ?? (kind === 'error' ? 8000 : 5000));
}

/** @param {number} id */
export function dismissToast(id) {
  app.set({ toasts: app.get().toasts.filter((t) => t.id !== id) });
}
