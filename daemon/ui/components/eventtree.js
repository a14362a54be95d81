// The events as an ARIA tree: top-level events with their sub-events one level in, each
// with its cover, date, place and photo count. One row is the tab stop (roving
// tabindex); arrows move between rows, open and close parents, Enter shows the photos.

import { html, nothing } from '../vendor/lit-html/lit-html.js';
import { plural } from '../format.js';

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/**
 * @typedef {object} Cover
 * @property {string} hothash
 * @property {string} hotpreview_b64
 * @property {boolean} deleted
 */

/**
 * @typedef {object} EventNode an event as `GET /api/events` lists it
 * @property {string} id
 * @property {string} name
 * @property {string} description
 * @property {string|null} date "YYYY-MM-DD"
 * @property {string} location
 * @property {string|null} parent_id
 * @property {string|null} cover_hothash
 * @property {number} photo_count
 * @property {Cover|null} [cover]
 * @property {EventNode[]} children
 */

/**
 * @typedef {object} TreeProps
 * @property {EventNode[]} roots
 * @property {Map<string, Cover|null>} covers by event id, once they are loaded
 * @property {Set<string>} collapsed ids of parents whose sub-events are hidden
 * @property {string|null} current the row that is the tab stop
 * @property {boolean} editable
 * @property {number} selected photos selected in the library
 * @property {(event: EventNode) => void} onOpen show its photos
 * @property {(event: EventNode, anchor: HTMLElement) => void} onMenu
 * @property {(event: EventNode) => void} onAdd add the library's selection
 * @property {(id: string) => void} onToggle open or close a parent
 * @property {(id: string) => void} onFocus a row got the focus
 */

/** @param {string|null} date "YYYY-MM-DD" @returns {string} "14 Jul 2024" */
function eventDate(date) {
  if (!date) return '';
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(Date.UTC(2000, m - 1, d));
  day.setUTCFullYear(y);
  return dateFormat.format(day);
}

/** @param {EventNode} event @returns {string} "14 Jul 2024 · Oslo · 12 photos" */
function eventFacts(event) {
  return [eventDate(event.date), event.location, plural(event.photo_count, 'photo')].filter(Boolean).join(' · ');
}

/** @param {TreeProps} props */
export function eventTree(props) {
  return html`<ul class="event-tree" role="tree" aria-label="Events" @keydown=${(e) => onKey(e, props)}>
    ${props.roots.map((root) => row(root, 1, props))}
  </ul>`;
}

/**
 * @param {EventNode} event
 * @param {1|2} level
 * @param {TreeProps} props
 */
function row(event, level, props) {
  const parent = event.children.length > 0;
  const open = parent && !props.collapsed.has(event.id);
  const stop = event.id === props.current;
  const cover = props.covers.get(event.id);
  return html`<li
    class="event ${level === 2 ? 'is-child' : ''}"
    role="treeitem"
    aria-level=${level}
    aria-expanded=${parent ? String(open) : nothing}
    aria-label=${`${event.name}, ${eventFacts(event)}`}
    data-event-id=${event.id}
    tabindex=${stop ? '0' : '-1'}
    @focus=${(e) => e.target === e.currentTarget && props.onFocus(event.id)}
  >
    <div class="event-row" @click=${(e) => !e.target.closest('button') && props.onOpen(event)}>
      ${parent
        ? html`<button
            type="button"
            class="event-toggle"
            tabindex="-1"
            aria-hidden="true"
            @click=${() => props.onToggle(event.id)}
          >
            ${open ? '▾' : '▸'}
          </button>`
        : html`<span class="event-toggle" aria-hidden="true"></span>`}
      <span class="event-cover ${cover?.deleted ? 'is-deleted' : ''} ${cover === null ? 'is-blank' : ''}" aria-hidden="true">
        ${cover ? html`<img alt="" decoding="async" src=${`data:image/jpeg;base64,${cover.hotpreview_b64}`} />` : nothing}
      </span>
      <span class="event-text">
        <span class="event-name">${event.name}</span>
        <span class="event-facts">${eventFacts(event)}</span>
      </span>
      ${props.editable
        ? html`<span class="event-actions">
            <button
              type="button"
              class="button is-quiet event-add"
              tabindex=${stop ? '0' : '-1'}
              title=${props.selected ? `Add the ${plural(props.selected, 'photo')} selected in the library` : 'Add the photos selected in the library'}
              @click=${() => props.onAdd(event)}
            >
              Add the selection
            </button>
            <button
              type="button"
              class="icon-button is-quiet"
              tabindex=${stop ? '0' : '-1'}
              aria-haspopup="menu"
              aria-expanded="false"
              aria-label=${`Actions for ${event.name}`}
              title="More actions"
              @click=${(e) => props.onMenu(event, e.currentTarget)}
            >
              ⋯
            </button>
          </span>`
        : nothing}
    </div>
    ${parent
      ? html`<ul role="group" ?hidden=${!open}>
          ${event.children.map((child) => row(child, 2, props))}
        </ul>`
      : nothing}
  </li>`;
}

/**
 * The tree's keys, on a focused row (its buttons keep theirs).
 * @param {KeyboardEvent} event
 * @param {TreeProps} props
 */
function onKey(event, props) {
  const item = /** @type {HTMLElement} */ (event.target);
  if (item.getAttribute('role') !== 'treeitem' || event.altKey || event.ctrlKey || event.metaKey) return;
  const tree = /** @type {HTMLElement} */ (event.currentTarget);
  const rows = /** @type {HTMLElement[]} */ ([...tree.querySelectorAll('[role="treeitem"]')]).filter(
    (r) => !r.closest('[role="group"][hidden]'),
  );
  const at = rows.indexOf(item);
  const id = item.dataset.eventId ?? '';
  const expanded = item.getAttribute('aria-expanded');
  /** @type {HTMLElement|undefined} */
  let next;
  switch (event.key) {
    case 'ArrowDown':
      next = rows[at + 1];
      break;
    case 'ArrowUp':
      next = rows[at - 1];
      break;
    case 'Home':
      next = rows[0];
      break;
    case 'End':
      next = rows[rows.length - 1];
      break;
    case 'ArrowRight':
      if (expanded === 'false') props.onToggle(id);
      else if (expanded === 'true') next = rows[at + 1];
      break;
    case 'ArrowLeft':
      if (expanded === 'true') props.onToggle(id);
      else next = /** @type {HTMLElement|null} */ (item.parentElement?.closest('[role="treeitem"]')) ?? undefined;
      break;
    case 'Enter': {
      const found = findEvent(props.roots, id);
      if (found) props.onOpen(found);
      break;
    }
    default:
      return;
  }
  event.preventDefault();
  event.stopPropagation();
  next?.focus();
}

/**
 * @param {EventNode[]} roots
 * @param {string} id
 * @returns {EventNode|undefined}
 */
export function findEvent(roots, id) {
  for (const root of roots) {
    if (root.id === id) return root;
    const child = root.children.find((c) => c.id === id);
    if (child) return child;
  }
  return undefined;
}
