// The keyboard shortcuts, shown with `?`.

import { html } from '../vendor/lit-html/lit-html.js';
import { modal } from './dialog.js';

/** @type {[string, string, boolean][]} keys, what they do, whether they edit */
const GRID = [
  ['← → ↑ ↓', 'Move between photos', false],
  ['Shift + arrows', 'Extend the selection', false],
  ['Ctrl + arrows', 'Move without changing the selection', false],
  ['Space', 'Select or unselect the photo', false],
  ['Click · Ctrl-click · Shift-click', 'Select · add to the selection · select a range', false],
  ['Ctrl + A', 'Select all (up to 10,000)', false],
  ['Enter · double-click', 'Open the photo', false],
  ['Esc', 'Clear the selection', false],
  ['1 – 5 · 0', 'Rate · clear the rating', true],
  ['Delete', 'Move to the trash (restore, in the trash)', true],
  ['S · click a stack’s count', 'Open a stack in place · close it again', false],
  ['F', 'Show or hide the filters', false],
  ['+ · −', 'Larger · smaller thumbnails', false],
  ['Page Up · Page Down', 'Previous · next screen', false],
];
/** @type {[string, string, boolean][]} */
const LOUPE = [
  ['← →', 'Previous · next photo', false],
  ['Esc', 'Back to the library', false],
  ['1 – 5 · 0', 'Rate · clear the rating', true],
  ['A', 'Go to the next photo after rating: on or off', true],
  ['[ · ]', 'Rotate left · right', true],
  ['Delete', 'Move to the trash', true],
  ['I', 'Show or hide the information', false],
];
/** @type {[string, string, boolean][]} */
const COLLECTION = [
  ['← → ↑ ↓ · Home · End', 'Move between items', false],
  ['Alt + ← →', 'Move the item one place earlier · later', true],
  ['Drag', 'Move the item (or the selection)', true],
  ['Space · Click · Ctrl-click · Shift-click', 'Select · add · a range', true],
  ['Enter · F2', 'Edit the caption (Enter saves, Esc cancels)', true],
  ['Delete', 'Remove from the collection (the photos stay)', true],
];
/** @type {[string, string, boolean][]} */
const EVENTS = [
  ['↑ ↓ · Home · End', 'Move between events', false],
  ['← →', 'Close · open an event’s sub-events', false],
  ['Enter', 'Show the event’s photos', false],
];

/** @param {boolean} readOnly leave out the keys that edit */
export function showKeyHelp(readOnly) {
  const rows = (/** @type {[string, string, boolean][]} */ list) =>
    list
      .filter(([, , edits]) => !readOnly || !edits)
      .map(([keys, text]) => html`<tr><th scope="row"><kbd>${keys}</kbd></th><td>${text}</td></tr>`);
  return modal(
    'Keyboard shortcuts',
    (close) => html`
      <div class="dialog-head">
        <h2>Keyboard shortcuts</h2>
        <button type="button" class="icon-button" aria-label="Close" @click=${() => close(null)}>×</button>
      </div>
      <div class="keys">
        <table>
          <caption>Library</caption>
          <tbody>${rows(GRID)}</tbody>
        </table>
        <table>
          <caption>Photo</caption>
          <tbody>${rows(LOUPE)}</tbody>
        </table>
        <table>
          <caption>Collection</caption>
          <tbody>${rows(COLLECTION)}</tbody>
        </table>
        <table>
          <caption>Events</caption>
          <tbody>${rows(EVENTS)}</tbody>
        </table>
      </div>
      <p class="muted">Press <kbd>?</kbd> for this list anywhere.</p>
    `,
    'is-wide',
  );
}
