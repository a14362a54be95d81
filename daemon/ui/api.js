// The one way the UI talks to the daemon: JSON over fetch with the session's bearer
// token. GETs outlive an unreachable daemon (503 or no answer) by retrying with
// backoff while a banner says so; edits fail fast so the caller can roll back.

const TOKEN_KEY = 'hotprevue.token';
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
const BACKOFF_MAX_MS = 10000;

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the daemon did not answer
   * @param {string} detail the API's `detail`, or a description of the failure
   * @param {number|null} [retryAfter] seconds from a Retry-After header
   */
  constructor(status, detail, retryAfter = null) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/**
 * Why a call failed, in words a person reads: the API's own reason, or that the daemon
 * did not answer.
 * @param {unknown} error
 * @returns {string}
 */
export function reason(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return 'Hotprevue is not answering. Try again in a moment.';
    // As the API words it: a refusal starts with the field it is about, by its name.
    return error.detail;
  }
  return 'Something went wrong. Try again.';
}

/**
 * Events: `unauthorized` (any 401 outside sign-in: the session is gone) and
 * `connection` (detail: {down: boolean}).
 */
export const apiEvents = new EventTarget();

let token = readToken();
let down = false;

// Another tab that signs in (or out) changes the session cookie this tab sends too:
// take its token, the cookie's other half.
window.addEventListener('storage', (event) => {
  if (event.key === TOKEN_KEY) token = event.newValue;
});

function readToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** @returns {string|null} the session token this page holds */
export function getToken() {
  return token;
}

/** @param {string|null} value the session token to keep (null forgets it) */
export function setToken(value) {
  token = value;
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private modes may refuse storage: the session then lasts this page only.
  }
}

function setDown(value) {
  if (down === value) return;
  down = value;
  apiEvents.dispatchEvent(new CustomEvent('connection', { detail: { down } }));
}

/**
 * A query string from an object: null, undefined, '' and false-y arrays are left out
 * (the API answers 422 for parameters it does not declare, and empty values are
 * never meant); arrays repeat their key.
 * @param {Record<string, unknown>} [query]
 * @returns {string} '' or '?a=1&b=2'
 */
export function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, unknown>} [query]
 * @property {unknown} [body] sent as JSON
 * @property {AbortSignal} [signal]
 * @property {boolean} [retry] retry 503 and network failures (default: GETs only)
 * @property {boolean} [signIn] a 401 is the caller's answer, not a lost session
 */

/**
 * Call the API.
 * @param {string} method
 * @param {string} path e.g. '/api/photos'
 * @param {RequestOptions} [options]
 * @returns {Promise<any>} the decoded JSON (null for an empty answer)
 */
export async function request(method, path, options = {}) {
  const { query, body, signal, signIn = false } = options;
  const retry = options.retry ?? method === 'GET';
  const url = path + queryString(query);
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const init = {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    credentials: /** @type {RequestCredentials} */ ('same-origin'),
    cache: /** @type {RequestCache} */ ('no-store'),
  };
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (!retry) {
        setDown(true);
        probe();
        throw new ApiError(0, 'Hotprevue is not answering');
      }
      setDown(true);
      await sleep(backoff(attempt), signal);
      continue;
    }
    if (response.status === 503 && retry) {
      setDown(true);
      await sleep(backoff(attempt), signal);
      continue;
    }
    if (response.status !== 503) setDown(false);
    if (response.ok) {
      if (response.status === 204) return null;
      const text = await response.text();
      return text ? JSON.parse(text) : null;
    }
    if (response.status === 401 && !signIn && readToken() !== token && attempt === 0) {
      // Signed in again in another tab meanwhile: its token goes with the cookie now.
      token = readToken();
      if (token) headers.Authorization = `Bearer ${token}`;
      else delete headers.Authorization;
      continue;
    }
    const detail = await errorDetail(response);
    if (response.status === 401 && !signIn) {
      apiEvents.dispatchEvent(new CustomEvent('unauthorized', { detail: { detail } }));
    }
    if (response.status === 503) probe();
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, detail, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
  }
}

/** Shorthands. */
export const get = (path, query, options = {}) => request('GET', path, { ...options, query });
export const post = (path, body, options = {}) => request('POST', path, { ...options, body });
export const patch = (path, body, options = {}) => request('PATCH', path, { ...options, body });
export const put = (path, body, options = {}) => request('PUT', path, { ...options, body });
export const del = (path, options = {}) => request('DELETE', path, options);

async function errorDetail(response) {
  try {
    const body = await response.json();
    if (body && typeof body.detail === 'string') return body.detail;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return `${response.status} ${response.statusText}`.trim();
}

function backoff(attempt) {
  const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
  return Math.min(BACKOFF_MAX_MS, base * (0.75 + Math.random() * 0.5));
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}

let probing = false;

// After a failed edit nothing else may be asking: ask /health until it answers, so
// the banner goes away by itself once the daemon is back.
async function probe() {
  if (probing) return;
  probing = true;
  try {
    for (let attempt = 0; down; attempt += 1) {
      await sleep(backoff(attempt));
      try {
        const response = await fetch('/health', { cache: 'no-store' });
        if (response.ok) setDown(false);
      } catch {
        // Still not answering.
      }
    }
  } finally {
    probing = false;
  }
}

/**
 * Whether an error is an aborted request (a view moved on), which nobody reports.
 * @param {unknown} error
 */
export function isAbort(error) {
  return error instanceof DOMException && error.name === 'AbortError';
}
