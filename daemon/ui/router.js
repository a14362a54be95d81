// History routing over the table in routes.js. A view is a module loaded on first use
// whose default export mounts it; the router keeps the mounted view while only the
// query or params change (update), and swaps views otherwise.

/**
 * @typedef {object} RouteContext
 * @property {string} name the route's name
 * @property {Record<string, string>} params from the path pattern
 * @property {URLSearchParams} query
 * @property {any} state history.state of this entry
 */

/**
 * @typedef {object} MountedView
 * @property {(ctx: RouteContext) => void} [update] same route, new params or query
 * @property {(event: KeyboardEvent) => boolean} [onKey] true: the key was handled
 * @property {() => void} unmount
 */

/**
 * @typedef {object} Route
 * @property {string} name
 * @property {string} path e.g. '/photo/:hothash'
 * @property {() => Promise<{default: (root: HTMLElement, ctx: RouteContext) => MountedView}>} load
 * @property {boolean} [public] shown without a session
 * @property {string} [nav] label in the top bar's navigation
 * @property {string} [title] document title
 * @property {boolean} [local] only on a local daemon: central shows "not found"
 */

/**
 * A matcher for a path pattern: literal segments and `:name` segments.
 * @param {string} pattern
 * @returns {(pathname: string) => Record<string, string>|null}
 */
export function compile(pattern) {
  const parts = pattern.split('/').filter(Boolean);
  return (pathname) => {
    const segments = pathname.split('/').filter(Boolean);
    if (segments.length !== parts.length) return null;
    /** @type {Record<string, string>} */
    const params = {};
    for (let i = 0; i < parts.length; i += 1) {
      if (parts[i].startsWith(':')) {
        try {
          params[parts[i].slice(1)] = decodeURIComponent(segments[i]);
        } catch {
          return null;
        }
      } else if (parts[i] !== segments[i]) return null;
    }
    return params;
  };
}

export class Router {
  /**
   * @param {Route[]} routes
   * @param {Route} notFound shown for paths no route matches
   * @param {(route: Route, ctx: RouteContext) => Route} guard may redirect (sign-in)
   */
  constructor(routes, notFound, guard) {
    this.table = routes.map((route) => ({ route, match: compile(route.path) }));
    this.notFound = notFound;
    this.guard = guard;
    /** @type {HTMLElement|null} */
    this.root = null;
    /** @type {{route: Route, view: MountedView}|null} */
    this.current = null;
    this.generation = 0;
    /** @type {Set<(ctx: RouteContext) => void>} */
    this.listeners = new Set();
  }

  /**
   * Start routing into `root`: render the current URL, follow back/forward and
   * same-origin link clicks.
   * @param {HTMLElement} root
   */
  start(root) {
    this.root = root;
    window.addEventListener('popstate', () => this.render());
    document.addEventListener('click', (event) => this.onClick(event));
    return this.render();
  }

  /**
   * Go to an app URL.
   * @param {string} url path with query, e.g. '/photo/ab…?sort=rating_desc'
   * @param {{replace?: boolean, state?: any}} [options]
   */
  navigate(url, options = {}) {
    if (options.replace) history.replaceState(options.state ?? null, '', url);
    else history.pushState(options.state ?? null, '', url);
    return this.render();
  }

  /** @param {(ctx: RouteContext) => void} listener called after every render */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @returns {RouteContext} the context of the URL shown now */
  context() {
    const { route, params } = this.resolve(location.pathname);
    return {
      name: route.name,
      params,
      query: new URLSearchParams(location.search),
      state: history.state,
    };
  }

  /** @param {string} pathname */
  resolve(pathname) {
    for (const { route, match } of this.table) {
      const params = match(pathname);
      if (params) return { route, params };
    }
    return { route: this.notFound, params: {} };
  }

  /** Render the URL shown now (again). */
  async render() {
    const generation = (this.generation += 1);
    const ctx = this.context();
    let { route } = this.resolve(location.pathname);
    route = this.guard(route, ctx);
    ctx.name = route.name;
    if (this.current && this.current.route === route && this.current.view.update) {
      this.current.view.update(ctx);
    } else {
      const module = await route.load();
      // A later navigation won while this view's module was loading.
      if (generation !== this.generation || !this.root) return;
      this.current?.view.unmount();
      this.root.replaceChildren();
      this.current = { route, view: module.default(this.root, ctx) };
    }
    document.title = route.title ? `${route.title} · Hotprevue` : 'Hotprevue';
    for (const listener of this.listeners) listener(ctx);
  }

  /** @param {KeyboardEvent} event @returns {boolean} handled by the view */
  onKey(event) {
    return Boolean(this.current?.view.onKey?.(event));
  }

  /** @param {MouseEvent} event */
  onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = /** @type {Element} */ (event.target).closest?.('a[href]');
    if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    this.navigate(url.pathname + url.search);
  }
}
