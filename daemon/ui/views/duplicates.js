// Placeholder: replaced by the duplicates page.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mount(root) {
  const el = document.createElement('div');
  el.className = 'page';
  root.append(el);
  render(html`<h1>duplicates</h1>`, el);
  return { unmount: () => render(nothing, el) };
}
