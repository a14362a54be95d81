// Signing in. Local: the tray's "Open Hotprevue" (or `hotprevue open`) opens
// /login#<one-use token>; the token is taken out of the address at once and exchanged
// for a session. Central: a password. Without either, the page says how to get in.
// Shown at /login, and in place of any page that needs a session.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { app } from '../store.js';
import { router, signedIn } from '../shell.js';

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountLogin(root) {
  const el = document.createElement('div');
  el.className = 'login';
  root.append(el);
  const mode = app.get().mode;
  /** @type {{busy: boolean, message: string, waitUntil: number}} */
  const state = { busy: false, message: '', waitUntil: 0 };
  let timer = 0;

  const paint = () => {
    const waiting = Math.max(0, Math.ceil((state.waitUntil - Date.now()) / 1000));
    render(
      html`<section class="login-card" aria-labelledby="login-title">
        <div class="brand is-large" aria-hidden="true"><span class="brand-mark"></span><span class="brand-name">Hotprevue</span></div>
        ${mode === 'central' ? central(waiting) : local()}
      </section>`,
      el,
    );
  };

  const local = () =>
    state.busy
      ? html`<h1 id="login-title">Signing in…</h1>
          <p class="muted"><span class="spinner is-small" aria-hidden="true"></span> One moment.</p>`
      : html`<h1 id="login-title">${state.message ? 'This link did not sign you in' : 'Signed out'}</h1>
          ${state.message ? html`<p class="login-error" role="alert">${state.message}</p>` : nothing}
          <p>Open Hotprevue from the tray (<strong>Open Hotprevue</strong>), or run</p>
          <pre><code>hotprevue open</code></pre>
          <p class="muted">Either opens this page signed in, with a link that works once, for a minute.</p>`;

  const central = (/** @type {number} */ waiting) => html`<h1 id="login-title">Sign in</h1>
    <form class="login-form" @submit=${submit}>
      <label class="field">
        <span class="field-label">Password</span>
        <input
          name="password"
          type="password"
          aria-label="Password"
          autocomplete="current-password"
          required
          maxlength="1024"
          autofocus
          ?disabled=${state.busy}
        />
      </label>
      ${state.message ? html`<p class="login-error" role="alert">${state.message}</p>` : nothing}
      ${waiting > 0 ? html`<p class="muted" role="status">You can try again in ${waiting} s.</p>` : nothing}
      <button type="submit" class="button is-primary" ?disabled=${state.busy || waiting > 0}>Sign in</button>
    </form>
    <p class="muted login-hint">
      The password is set on the server, by whoever runs it: <code>hotprevue ui-password set</code>
    </p>`;

  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target);
    const password = String(new FormData(form).get('password') ?? '');
    if (!password) return;
    await attempt({ password });
    if (!app.get().session) {
      const input = /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=password]'));
      input?.select();
    }
  };

  /** @param {{link_token?: string, password?: string}} body */
  const attempt = async (body) => {
    state.busy = true;
    state.message = '';
    paint();
    try {
      const created = await api.post('/api/ui/sessions', body, { signIn: true });
      api.setToken(created.token);
      const session = await api.get('/api/ui/session');
      signedIn(session);
      if (location.pathname === '/login') router.navigate('/', { replace: true });
      else router.render();
      return;
    } catch (error) {
      explain(error);
    }
    state.busy = false;
    paint();
  };

  /** @param {unknown} error */
  const explain = (error) => {
    if (!(error instanceof api.ApiError)) {
      state.message = 'Something went wrong. Try again.';
      return;
    }
    const detail = error.detail;
    if (/ui-password/.test(detail)) {
      state.message = 'Signing in from a browser is not set up on this server yet: it needs a password (see below).';
    } else if (error.status === 429) {
      const seconds = Math.ceil(error.retryAfter ?? 60);
      state.message = 'Too many wrong passwords.';
      state.waitUntil = Date.now() + seconds * 1000;
      clearInterval(timer);
      timer = setInterval(() => {
        paint();
        if (Date.now() >= state.waitUntil) clearInterval(timer);
      }, 1000);
    } else if (error.status === 401) {
      state.message =
        mode === 'central'
          ? 'That password is not right.'
          : 'It was used already, or it expired (a link works once, for a minute). Get a fresh one:';
    } else if (error.status === 0) {
      state.message = 'Hotprevue is not answering. Is it running?';
    } else {
      state.message = detail;
    }
  };

  const start = async () => {
    const token = location.hash.slice(1);
    if (location.hash) {
      // Out of the address bar and the history at once: it signs in only once anyway.
      history.replaceState(history.state, '', location.pathname + location.search);
    }
    const kept = api.getToken();
    if (token && mode === 'local') {
      await attempt({ link_token: decodeURIComponent(token) });
      if (app.get().session || !kept) return;
      // A spent link, but this browser is still signed in: no need to say so.
      api.setToken(kept);
    }
    // Already signed in (a stored token that still works): nothing to do here.
    if (location.pathname === '/login' && api.getToken()) {
      try {
        signedIn(await api.get('/api/ui/session', undefined, { signIn: true }));
        router.navigate('/', { replace: true });
        return;
      } catch {
        api.setToken(null);
      }
    }
    paint();
  };
  paint();
  start();

  return {
    unmount() {
      clearInterval(timer);
      render(nothing, el);
    },
  };
}
