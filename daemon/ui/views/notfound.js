// What a path that is no page, or a photo that is not in the catalog, shows.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';

/**
 * @param {string} title
 * @param {string} text
 */
export function notFoundTemplate(title, text) {
  return html`<section class="empty not-found" aria-labelledby="not-found-title">
    <h1 id="not-found-title">${title}</h1>
    <p>${text}</p>
    <a class="button is-primary" href="/">Go to the library</a>
  </section>`;
}

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountNotFound(root) {
  const el = document.createElement('div');
  el.className = 'page';
  root.append(el);
  render(notFoundTemplate('Page not found', 'There is no page at this address.'), el);
  return {
    unmount: () => render(nothing, el),
  };
}
