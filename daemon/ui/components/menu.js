// A small menu of actions under the button that opens it: a popover (light dismiss, Esc,
// top layer), arrow keys between its items, focus back on the button when it closes.

import { html, render } from '../vendor/lit-html/lit-html.js';

/**
 * @typedef {object} MenuItem
 * @property {string} label
 * @property {() => void} run
 * @property {boolean} [danger] a destructive action (it asks before it acts)
 * @property {boolean} [disabled]
 */

/**
 * Open a menu under `anchor`.
 * @param {HTMLElement} anchor the button that opened it; it gets the focus back
 * @param {string} label the menu's accessible name
 * @param {MenuItem[]} items
 */
export function openMenu(anchor, label, items) {
  const menu = document.createElement('div');
  menu.className = 'menu';
  menu.setAttribute('role', 'menu');
  menu.setAttribute('aria-label', label);
  menu.popover = 'auto';
  /** @type {(() => void)|null} */
  let chosen = null;
  render(
    html`${items.map(
      (item) => html`<button
        type="button"
        role="menuitem"
        tabindex="-1"
        class="menu-item ${item.danger ? 'is-danger' : ''}"
        ?disabled=${item.disabled}
        @click=${() => {
          chosen = item.run;
          menu.hidePopover();
        }}
      >
        ${item.label}
      </button>`,
    )}`,
    menu,
  );
  const buttons = () => /** @type {HTMLButtonElement[]} */ ([...menu.querySelectorAll('button:not(:disabled)')]);
  menu.addEventListener('keydown', (event) => {
    const all = buttons();
    const at = all.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    /** @type {Record<string, number>} */
    const targets = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 };
    if (event.key in targets) {
      event.preventDefault();
      all[(targets[event.key] + all.length) % all.length]?.focus();
    } else if (event.key === 'Tab') {
      event.preventDefault();
      menu.hidePopover();
    }
    // The page's shortcuts never see the menu's keys (Enter and Space click the item).
    event.stopPropagation();
  });
  menu.addEventListener('toggle', (event) => {
    if (/** @type {ToggleEvent} */ (event).newState !== 'closed') return;
    anchor.setAttribute('aria-expanded', 'false');
    menu.remove();
    if (anchor.isConnected) anchor.focus();
    // After the focus is back: an action that opens a dialog returns it there.
    chosen?.();
  });
  document.body.append(menu);
  menu.showPopover();
  anchor.setAttribute('aria-expanded', 'true');
  place(menu, anchor);
  buttons()[0]?.focus();
}

/**
 * Below the anchor, right-aligned to it, kept inside the window.
 * @param {HTMLElement} menu
 * @param {HTMLElement} anchor
 */
function place(menu, anchor) {
  const a = anchor.getBoundingClientRect();
  const m = menu.getBoundingClientRect();
  const left = Math.max(8, Math.min(a.right - m.width, window.innerWidth - m.width - 8));
  const below = a.bottom + 4;
  const top = below + m.height > window.innerHeight - 8 ? Math.max(8, a.top - m.height - 4) : below;
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
}
