// The timeline scrubber beside the grid: years and months (or ratings) on a track
// whose parts are sized by how much of the grid they take, so dragging is scrolling.
// Hovering shows the date under the pointer; a click lands on that month's start; the
// keyboard steps by month (arrows) and year (Page Up/Down).

import { bucketLabel, monthLabel } from '../format.js';
import { contentToTrack, scrubberGroups, trackLayout, trackToContent } from '../grid/layout.js';

const YEAR_LABEL_GAP = 16;
const CLICK_SLOP = 4;

/** @param {string} key @returns {boolean} a month key "YYYY-MM" */
const isMonth = (key) => /^-?\d+-\d\d$/.test(key);

/** @param {string} key a group that is no month @returns {string} its label on the track */
const shortLabel = (key) => (/^[1-5]$/.test(key) ? `${key}★` : bucketLabel(key));

export class Scrubber {
  /** @param {import('../grid/grid.js').Grid} grid */
  constructor(grid) {
    this.grid = grid;
    this.el = document.createElement('div');
    this.el.className = 'scrubber';
    this.el.tabIndex = 0;
    this.el.setAttribute('role', 'slider');
    this.el.setAttribute('aria-orientation', 'vertical');
    this.el.setAttribute('aria-label', 'Timeline');
    this.el.setAttribute('aria-valuemin', '0');
    /** @type {import('../grid/layout.js').Group[]} */
    this.groups = [];
    /** @type {Float64Array} */
    this.tops = new Float64Array(1);
    this.height = 0;
    this.current = -1;
    /** @type {{y: number, moved: boolean, id: number}|null} */
    this.drag = null;
    this.thumb = document.createElement('div');
    this.thumb.className = 'scrubber-thumb';
    this.hover = document.createElement('div');
    this.hover.className = 'scrubber-hover';
    this.hover.hidden = true;
    this.hoverLabel = document.createElement('span');
    this.hover.append(this.hoverLabel);
    this.track = document.createElement('div');
    this.track.className = 'scrubber-track';
    this.track.append(this.thumb, this.hover);
    this.el.append(this.track);
    /** @type {[EventTarget, string, (event: any) => void][]} */
    const listeners = [
      [grid, 'layout', () => this.build()],
      [grid, 'viewport', (e) => this.follow(e.detail.top)],
      [this.el, 'pointerdown', (e) => this.onDown(e)],
      [this.el, 'pointermove', (e) => this.onMove(e)],
      [this.el, 'pointerup', (e) => this.onUp(e)],
      [this.el, 'pointercancel', () => this.endDrag()],
      [this.el, 'pointerleave', () => {
        if (!this.drag) this.hover.hidden = true;
      }],
      [this.el, 'keydown', (e) => this.onKey(e)],
    ];
    for (const [target, type, fn] of listeners) target.addEventListener(type, fn);
    this.unlisten = () => {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn);
    };
    this.resizer = new ResizeObserver(() => {
      if (this.track.clientHeight !== this.height) this.build();
    });
    this.resizer.observe(this.el);
  }

  destroy() {
    this.unlisten();
    this.resizer.disconnect();
  }

  /** Lay the groups out on the track again (new buckets, a resize). */
  build() {
    const layout = this.grid.layout;
    this.height = this.track.clientHeight;
    this.groups = layout ? scrubberGroups(layout) : [];
    this.tops = trackLayout(this.groups, this.height, layout ? layout.height : 0);
    this.el.hidden = this.groups.length === 0;
    this.el.setAttribute('aria-valuemax', String(Math.max(0, this.groups.length - 1)));
    this.track.replaceChildren(...this.parts(), ...this.years(), this.thumb, this.hover);
    this.current = -1;
    this.follow(this.grid.top());
  }

  /** @returns {HTMLElement[]} one element per group, its height its share of the grid */
  parts() {
    const { groups, tops } = this;
    return groups.map((group, i) => {
      const part = document.createElement('div');
      const size = tops[i + 1] - tops[i];
      part.className = size >= 5 ? 'scrubber-part has-tick' : 'scrubber-part';
      if (isMonth(group.key)) part.dataset.month = group.key;
      else part.dataset.group = group.key;
      part.style.top = `${tops[i]}px`;
      part.style.height = `${size}px`;
      return part;
    });
  }

  /** @returns {HTMLElement[]} year labels (or ratings), leaving out those that would overlap */
  years() {
    const { groups, tops } = this;
    const labels = [];
    let lastYear = '';
    let lastTop = -Infinity;
    groups.forEach((group, i) => {
      const year = isMonth(group.key) ? group.key.slice(0, group.key.lastIndexOf('-')) : shortLabel(group.key);
      if (year === lastYear) return;
      lastYear = year;
      if (tops[i] - lastTop < YEAR_LABEL_GAP) return;
      lastTop = tops[i];
      const label = document.createElement('div');
      label.className = 'scrubber-year';
      label.setAttribute('aria-hidden', 'true');
      label.textContent = year;
      label.style.top = `${tops[i]}px`;
      labels.push(label);
    });
    return labels;
  }

  /** @param {number} top the grid's content position: move the thumb there */
  follow(top) {
    if (this.groups.length === 0) return;
    const t = contentToTrack(this.groups, this.tops, top);
    this.thumb.style.transform = `translateY(${t}px)`;
    const { group } = trackToContent(this.groups, this.tops, t);
    if (group !== this.current) {
      this.current = group;
      this.el.setAttribute('aria-valuenow', String(group));
      this.el.setAttribute('aria-valuetext', this.label(group));
    }
  }

  /** @param {number} g @returns {string} what a group is called */
  label(g) {
    const key = this.groups[g]?.key ?? '';
    return isMonth(key) ? monthLabel(key) : bucketLabel(key);
  }

  /** @param {PointerEvent} event @returns {number} position on the track */
  trackY(event) {
    return event.clientY - this.track.getBoundingClientRect().top;
  }

  /** @param {PointerEvent} event */
  onDown(event) {
    if (event.button !== 0 || this.groups.length === 0) return;
    event.preventDefault();
    this.el.focus({ preventScroll: true });
    this.el.setPointerCapture(event.pointerId);
    this.drag = { y: event.clientY, moved: false, id: event.pointerId };
    this.el.classList.add('is-dragging');
    this.showHover(this.trackY(event));
  }

  /** @param {PointerEvent} event */
  onMove(event) {
    const t = this.trackY(event);
    this.showHover(t);
    if (!this.drag) return;
    if (!this.drag.moved && Math.abs(event.clientY - this.drag.y) < CLICK_SLOP) return;
    this.drag.moved = true;
    const { y } = trackToContent(this.groups, this.tops, t);
    this.grid.scrollToContent(y, false);
  }

  /** @param {PointerEvent} event */
  onUp(event) {
    if (!this.drag) return;
    const { moved } = this.drag;
    this.endDrag();
    if (moved) this.grid.fetchNow();
    else {
      // A click lands on the start of the month (or rating) under the pointer.
      const { group } = trackToContent(this.groups, this.tops, this.trackY(event));
      if (group >= 0) this.jump(group);
    }
  }

  endDrag() {
    if (this.drag && this.el.hasPointerCapture(this.drag.id)) this.el.releasePointerCapture(this.drag.id);
    this.drag = null;
    this.el.classList.remove('is-dragging');
  }

  /** @param {number} t show the date under the pointer */
  showHover(t) {
    if (this.groups.length === 0) return;
    const clamped = Math.max(0, Math.min(this.height, t));
    const { group } = trackToContent(this.groups, this.tops, clamped);
    this.hover.hidden = false;
    this.hover.style.transform = `translateY(${clamped}px)`;
    const label = this.label(group);
    if (this.hoverLabel.textContent !== label) this.hoverLabel.textContent = label;
  }

  /** @param {number} g land the grid on a group's first photo */
  jump(g) {
    const group = this.groups[g];
    if (!group) return;
    this.grid.scrollToContent(group.y0);
  }

  /** @param {KeyboardEvent} event */
  onKey(event) {
    const n = this.groups.length;
    if (n === 0) return;
    const g = Math.max(0, this.current);
    const yearOf = (i) => this.groups[i].key.slice(0, 4);
    let next = -1;
    if (event.key === 'ArrowDown' || event.key === 'ArrowRight') next = Math.min(n - 1, g + 1);
    else if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') next = Math.max(0, g - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = n - 1;
    else if (event.key === 'PageDown') {
      next = g;
      while (next < n - 1 && yearOf(next) === yearOf(g)) next += 1;
    } else if (event.key === 'PageUp') {
      next = g;
      // To the start of this year, or of the previous one when already there.
      if (next > 0 && yearOf(next - 1) === yearOf(g)) {
        while (next > 0 && yearOf(next - 1) === yearOf(g)) next -= 1;
      } else if (next > 0) {
        next -= 1;
        while (next > 0 && yearOf(next - 1) === yearOf(next)) next -= 1;
      }
    } else return;
    event.preventDefault();
    this.jump(next);
  }
}
