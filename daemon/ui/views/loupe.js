// The loupe: one photo's coldpreview, large, with its facts and edits beside it, and
// the list's neighbours a key away (an open stack's photos among them, as the grid shows
// them). The photo's place in the list comes from the history entry (opened from the
// grid) or, for a typed or reloaded URL, from its bucket's hothashes. The neighbours'
// coldpreviews are fetched and decoded ahead.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { app, readOnly, toast } from '../store.js';
import { router } from '../shell.js';
import { browse } from '../grid/model.js';
import { bucketKeyOf } from '../grid/layout.js';
import { FILE_STATE_LABELS, parseFilters } from '../filters.js';
import * as edits from '../edits.js';
import { lookups, need } from '../lookups.js';
import { tagInput } from '../components/tags.js';
import { stackActions } from '../components/stack.js';
import { count, coordinate, moment, ratingText, stars, wallTime } from '../format.js';
import { notFoundTemplate } from './notfound.js';

const HOTHASH = /^[0-9a-f]{64}$/;
const ADVANCE_KEY = 'hotprevue.advance';
const INFO_KEY = 'hotprevue.info';
const PREFETCH = 2;
const SOURCES = ['from the camera', 'adjusted', 'set by hand'];
const NO_CORRECTION = {
  rotation: 0,
  horizon_angle: 0,
  exposure_ev: 0,
  crop_left: 0,
  crop_top: 0,
  crop_right: 1,
  crop_bottom: 1,
};

/** @type {Map<string, any>} recently shown details, newest last */
const details = new Map();
const DETAILS_MAX = 12;

/** Coldpreviews decoded ahead, by hothash; held so the browser keeps them. */
class Previews {
  constructor() {
    /** @type {Map<string, HTMLImageElement>} */
    this.images = new Map();
    // After a correction the same URL would still show the image this page already
    // has: the new one is fetched past that and shown from a blob: URL.
    /** @type {Map<string, string>} */
    this.fresh = new Map();
  }

  /** @param {string} hothash */
  url(hothash) {
    return this.fresh.get(hothash) ?? `/api/photos/${hothash}/coldpreview`;
  }

  /** @param {string[]} hothashes keep these decoded, drop the others */
  keep(hothashes) {
    for (const hothash of hothashes) {
      if (this.images.has(hothash)) continue;
      const img = new Image();
      img.decoding = 'async';
      img.src = this.url(hothash);
      img.decode().catch(() => {});
      this.images.set(hothash, img);
    }
    for (const hothash of [...this.images.keys()]) {
      if (!hothashes.includes(hothash)) this.images.delete(hothash);
    }
  }

  /** @param {string} hothash fetch it again (a new correction) */
  async reload(hothash) {
    const response = await fetch(`/api/photos/${hothash}/coldpreview`, {
      cache: 'no-cache',
      credentials: 'same-origin',
    });
    if (!response.ok) return;
    const old = this.fresh.get(hothash);
    this.fresh.set(hothash, URL.createObjectURL(await response.blob()));
    if (old) URL.revokeObjectURL(old);
    this.images.delete(hothash);
  }

  clear() {
    for (const url of this.fresh.values()) URL.revokeObjectURL(url);
    this.fresh.clear();
    this.images.clear();
  }
}

/**
 * @param {HTMLElement} root
 * @param {import('../router.js').RouteContext} ctx
 * @returns {import('../router.js').MountedView}
 */
export default function mountLoupe(root, ctx) {
  const el = document.createElement('div');
  el.className = 'loupe';
  root.append(el);
  const previews = new Previews();

  /** @type {{hothash: string, index: number, detail: any, known: boolean, missing: boolean, error: string, broken: boolean, generation: number}} */
  const state = {
    hothash: '',
    index: -1,
    detail: null,
    // Whether the photo is known to exist: only then is its coldpreview asked for.
    known: false,
    missing: false,
    error: '',
    broken: false,
    generation: 0,
  };
  let advance = localStorage.getItem(ADVANCE_KEY) === 'on';
  let info = localStorage.getItem(INFO_KEY) !== 'off';

  /** @param {number} index @returns {Promise<string|undefined>} the photo there */
  const hothashAt = async (index) => {
    const [item] = await browse.items(index, index);
    return item?.hothash;
  };

  /** @param {import('../router.js').RouteContext} next */
  const update = async (next) => {
    const hothash = next.params.hothash ?? '';
    const generation = (state.generation += 1);
    state.hothash = hothash;
    state.broken = false;
    state.error = '';
    if (!HOTHASH.test(hothash)) {
      state.missing = true;
      paint();
      return;
    }
    state.missing = false;
    state.index = Number.isInteger(next.state?.index) ? next.state.index : -1;
    state.detail = details.get(hothash) ?? null;
    // From the grid the photo exists; a typed or shared address may not.
    state.known = state.detail !== null || state.index >= 0;
    paint();
    browse.setFilters(parseFilters(next.query));
    try {
      if (!state.known) {
        state.known = await exists(hothash);
        if (generation !== state.generation) return;
        if (!state.known) {
          state.missing = true;
          paint();
          return;
        }
      }
      const detail = await photo(hothash);
      if (generation !== state.generation) return;
      state.detail = detail;
      // Registered without one (or not synced yet): the hotpreview stands in.
      if (!detail.coldpreview_path) state.broken = true;
      paint();
      await locate(detail, generation);
    } catch (error) {
      if (generation !== state.generation) return;
      if (error instanceof api.ApiError && (error.status === 404 || error.status === 422)) state.missing = true;
      else if (error instanceof api.ApiError && error.status !== 401) state.error = error.detail;
      paint();
      return;
    }
    if (generation !== state.generation) return;
    paint();
    prefetch();
  };

  /**
   * Find the photo's place in the library's list, unless the history entry knew it.
   * @param {any} detail
   * @param {number} generation
   */
  const locate = async (detail, generation) => {
    await browse.ready();
    if (generation !== state.generation) return;
    if (state.index >= 0 && browse.item(state.index)?.hothash === detail.hothash) {
      browse.setFocus(state.index);
      return;
    }
    try {
      const index = await browse.find(detail.hothash, bucketKeyOf(detail, browse.filters.sort, 'day'));
      if (generation !== state.generation) return;
      state.index = index;
      if (index >= 0) {
        await browse.items(index, index);
        browse.setFocus(index);
        history.replaceState({ ...history.state, index }, '');
      }
    } catch {
      state.index = -1;
    }
  };

  const prefetch = async () => {
    const generation = state.generation;
    if (state.index < 0) {
      previews.keep([state.hothash]);
      return;
    }
    const first = Math.max(0, state.index - PREFETCH);
    const last = Math.min(browse.total - 1, state.index + PREFETCH);
    const hashes = (await browse.items(first, last)).filter(Boolean).map((item) => /** @type {any} */ (item).hothash);
    if (generation !== state.generation) return;
    previews.keep(hashes);
    // The next photo's facts too, so its panel shows at once.
    const nextHash = hashes[state.index + 1 - first];
    if (nextHash) photo(nextHash).catch(() => {});
  };

  /** @param {-1|1} step */
  const go = async (step) => {
    const index = state.index + step;
    if (state.index < 0 || index < 0 || index >= browse.total) return;
    const hothash = await hothashAt(index);
    if (!hothash) return;
    browse.setFocus(index);
    // A single selection follows the photo shown, as in the grid.
    if (browse.selection.size <= 1) browse.select([hothash]);
    browse.anchor = index;
    router.navigate(`/photo/${hothash}${location.search}`, {
      replace: true,
      state: { ...history.state, index },
    });
  };

  // Opened from the grid, the library is the entry before: going back keeps its place.
  const close = () => {
    if (history.state?.fromLibrary) history.back();
    else router.navigate(`/${location.search}`);
  };

  /** @param {number|null} rating */
  const rate = async (rating) => {
    if (readOnly() || !state.detail) return;
    const hothash = state.detail.hothash;
    const before = state.detail.rating;
    state.detail.rating = rating;
    paint();
    if (advance) go(1);
    const ok = await edits.rate([hothash], rating);
    if (!ok) {
      const detail = details.get(hothash);
      if (detail) detail.rating = before;
      paint();
    }
  };

  /** @param {number} turn +90 or -90 */
  const rotate = async (turn) => {
    const detail = state.detail;
    if (readOnly() || !detail) return;
    const current = { ...NO_CORRECTION, ...pickCorrection(detail.correction) };
    const correction = { ...current, rotation: (((current.rotation + turn) % 360) + 360) % 360 };
    await applyCorrection(detail, correction);
  };

  /** @param {number} ev */
  const expose = async (ev) => {
    const detail = state.detail;
    if (readOnly() || !detail) return;
    const current = { ...NO_CORRECTION, ...pickCorrection(detail.correction) };
    await applyCorrection(detail, { ...current, exposure_ev: ev });
  };

  /**
   * @param {any} detail
   * @param {typeof NO_CORRECTION} correction
   */
  const applyCorrection = async (detail, correction) => {
    const before = detail.correction;
    detail.correction = { ...before, ...correction };
    paint();
    if (await edits.correct(detail.hothash, correction)) {
      await previews.reload(detail.hothash);
      details.delete(detail.hothash);
    } else {
      detail.correction = before;
    }
    paint();
  };

  const resetCorrection = async () => {
    const detail = state.detail;
    if (readOnly() || !detail?.correction) return;
    try {
      await api.del(`/api/photos/${detail.hothash}/correction`);
      browse.patch([detail.hothash], () => ({ rotation: 0 }));
      detail.correction = null;
      await previews.reload(detail.hothash);
    } catch (error) {
      if (error instanceof api.ApiError) toast(`Resetting the correction failed: ${error.detail}`, { kind: 'error' });
    }
    paint();
  };

  /** @param {'reset-time'|'reset-location'|'delete'|'restore'} action */
  const act = async (action) => {
    const detail = state.detail;
    if (readOnly() || !detail) return;
    if (action === 'delete' || action === 'restore') {
      const index = state.index;
      await edits.trash([detail.hothash], action === 'delete');
      details.delete(detail.hothash);
      // It left the list: the photo after it now has its place, and is shown.
      if (index >= 0 && state.hothash === detail.hothash && browse.total > 0) {
        const at = Math.min(index, browse.total - 1);
        const next = await hothashAt(at);
        if (next && next !== detail.hothash) {
          browse.setFocus(at);
          router.navigate(`/photo/${next}${location.search}`, { replace: true, state: { ...history.state, index: at } });
          return;
        }
      }
      const fresh = await photo(detail.hothash).catch(() => null);
      if (fresh && state.hothash === fresh.hothash) state.detail = fresh;
      paint();
      return;
    }
    try {
      const fresh = await api.post(`/api/photos/${detail.hothash}/${action}`);
      remember(fresh);
      if (state.hothash === fresh.hothash) state.detail = fresh;
      browse.patch([fresh.hothash], () => ({ taken_at: fresh.taken_at }));
      toast(action === 'reset-time' ? 'Time reset to the camera’s' : 'Location reset to the camera’s');
    } catch (error) {
      if (error instanceof api.ApiError) toast(`That failed: ${error.detail}`, { kind: 'error' });
    }
    paint();
  };

  /** @param {'event_id'|'category_id'|'photographer_id'} field @param {string} value */
  const assign = async (field, value) => {
    const detail = state.detail;
    if (readOnly() || !detail) return;
    const before = detail[field];
    detail[field] = value || null;
    paint();
    if (!(await edits.assign(field, [detail.hothash], value || null))) detail[field] = before;
    paint();
  };

  /** @param {'add'|'remove'} edit @param {string} tag */
  const tag = async (edit, tag) => {
    const detail = state.detail;
    if (readOnly() || !detail) return;
    const before = detail.tags;
    detail.tags = edit === 'add' ? [...new Set([...before, tag])].sort() : before.filter((t) => t !== tag);
    paint();
    if (!(await edits.editTags([detail.hothash], edit, [tag]))) detail.tags = before;
    paint();
  };

  const paint = () => {
    if (state.missing) {
      render(notFoundTemplate('No such photo', 'This photo is not in the catalog (or the link is broken).'), el);
      return;
    }
    const detail = state.detail;
    const locked = readOnly();
    const index = state.index;
    const total = browse.total;
    const hothash = state.hothash;
    const trashed = Boolean(detail?.deleted_at);
    render(
      html`
        <header class="loupe-bar">
          <button type="button" class="button" aria-label="Back to the library" title="Back (Esc)" @click=${close}>← Library</button>
          <span class="loupe-position" aria-live="polite">
            ${index >= 0 ? `${count(index + 1)} of ${count(total)}` : ''}
          </span>
          <span class="toolbar-spacer"></span>
          ${ratingControl(detail?.rating ?? null, locked, rate)}
          ${locked
            ? nothing
            : html`
                <button type="button" class="icon-button" aria-label="Rotate left" title="Rotate left ([)" ?disabled=${!detail} @click=${() => rotate(-90)}>⟲</button>
                <button type="button" class="icon-button" aria-label="Rotate right" title="Rotate right (])" ?disabled=${!detail} @click=${() => rotate(90)}>⟳</button>
                <button
                  type="button"
                  class="button ${trashed ? '' : 'is-danger'}"
                  ?disabled=${!detail}
                  @click=${() => act(trashed ? 'restore' : 'delete')}
                >
                  ${trashed ? 'Restore' : 'Move to trash'}
                </button>
                <label class="check" title="Go to the next photo after rating (A)">
                  <input type="checkbox" aria-label="Advance after rating" .checked=${advance} @change=${(e) => setAdvance(e.target.checked)} />
                  Advance
                </label>
              `}
          <button
            type="button"
            class="button ${info ? 'is-on' : ''}"
            aria-pressed=${info ? 'true' : 'false'}
            aria-label="Photo information"
            title="Information (I)"
            @click=${() => setInfo(!info)}
          >
            Info
          </button>
        </header>
        <div class="loupe-body">
          <div class="loupe-stage">
            <button type="button" class="loupe-nav is-prev" aria-label="Previous photo" ?disabled=${index <= 0} @click=${() => go(-1)}>‹</button>
            ${state.broken
              ? html`<div class="loupe-fallback">
                  ${detail ? html`<img class="loupe-hotpreview" alt="" src=${`data:image/jpeg;base64,${detail.hotpreview_b64}`} />` : nothing}
                  <p>The large preview of this photo is not available.</p>
                </div>`
              : !state.known
              ? nothing
              : html`<img
                  class="loupe-image"
                  alt=${detail ? `Photo taken ${wallTime(detail.taken_at, detail.taken_at_accuracy)}` : 'Photo'}
                  src=${previews.url(hothash)}
                  @error=${() => {
                    state.broken = true;
                    paint();
                  }}
                />`}
            <button
              type="button"
              class="loupe-nav is-next"
              aria-label="Next photo"
              ?disabled=${index < 0 || index >= total - 1}
              @click=${() => go(1)}
            >
              ›
            </button>
            ${trashed ? html`<span class="loupe-flag">In the trash</span>` : nothing}
          </div>
          ${info ? html`<aside class="loupe-info" aria-label="Photo information">${infoPanel(detail, state.error, locked)}</aside>` : nothing}
        </div>
      `,
      el,
    );
  };

  /**
   * @param {any} detail
   * @param {string} error
   * @param {boolean} locked
   */
  const infoPanel = (detail, error, locked) => {
    if (error) return html`<p class="muted">The photo’s details could not be loaded: ${error}</p>`;
    if (!detail) return html`<div class="loading"><span class="spinner" aria-label="Loading"></span></div>`;
    const lists = lookups.get();
    const correction = { ...NO_CORRECTION, ...pickCorrection(detail.correction) };
    const exposure = exposureText(detail);
    const camera = [detail.camera_make, detail.camera_model].filter(Boolean).join(' ');
    return html`
      <section class="info-section">
        <h2 class="info-title">${wallTime(detail.taken_at, detail.taken_at_accuracy)}</h2>
        <p class="muted">
          Time ${SOURCES[detail.taken_at_source] ?? ''}
          ${!locked && detail.taken_at_source !== 0
            ? html`<button type="button" class="link-button" @click=${() => act('reset-time')}>Reset to the camera’s</button>`
            : nothing}
        </p>
      </section>

      <section class="info-section" aria-label="Organise">
        ${locked
          ? html`<dl class="facts">
              ${fact('Rating', stars(detail.rating))}
              ${fact('Tags', detail.tags.join(', ') || '—')}
              ${fact('Event', lookupLabel(lists.events, detail.event_id))}
              ${fact('Category', lookupLabel(lists.categories, detail.category_id))}
              ${fact('Photographer', lookupLabel(lists.photographers, detail.photographer_id))}
            </dl>`
          : html`
              <div class="field">
                <span class="field-label">Tags</span>
                ${tagInput({
                  id: 'loupe',
                  tags: detail.tags,
                  label: 'Add tag',
                  onAdd: (t) => tag('add', t),
                  onRemove: (t) => tag('remove', t),
                })}
              </div>
              ${editSelect('Event', lists.events, detail.event_id, true, (v) => assign('event_id', v))}
              ${editSelect('Category', lists.categories, detail.category_id, true, (v) => assign('category_id', v))}
              ${editSelect('Photographer', lists.photographers, detail.photographer_id, false, (v) => assign('photographer_id', v))}
            `}
      </section>

      ${detail.stack_id
        ? html`<section class="info-section" aria-label="Stack">
            <h3>Stack</h3>
            ${locked
              ? html`<p class="muted">${detail.is_stack_cover ? 'The cover of a stack.' : 'In a stack.'}</p>`
              : stackActions(detail, () => reload(detail.hothash))}
          </section>`
        : nothing}

      <section class="info-section" aria-label="Camera">
        <h3>Camera</h3>
        <dl class="facts">
          ${fact('Camera', camera || '—')}
          ${detail.lens_model ? fact('Lens', detail.lens_model) : nothing}
          ${exposure ? fact('Exposure', exposure) : nothing}
          ${detail.iso ? fact('ISO', String(detail.iso)) : nothing}
          ${detail.focal_length ? fact('Focal length', `${trimNumber(detail.focal_length)} mm`) : nothing}
        </dl>
      </section>

      <section class="info-section" aria-label="Place">
        <h3>Place</h3>
        ${detail.location_lat !== null && detail.location_lng !== null
          ? html`<p>
              <a
                href=${`https://www.openstreetmap.org/?mlat=${detail.location_lat}&mlon=${detail.location_lng}#map=15/${detail.location_lat}/${detail.location_lng}`}
                target="_blank"
                rel="noopener noreferrer"
                >${coordinate(detail.location_lat, 'lat')}, ${coordinate(detail.location_lng, 'lng')}</a
              >
            </p>
            <p class="muted">
              ${detail.location_accuracy ? `Accuracy: ${detail.location_accuracy}. ` : ''}${detail.location_source !== null
                ? `Place ${SOURCES[detail.location_source] ?? ''}.`
                : ''}
              ${!locked && detail.location_source !== null && detail.location_source !== 0
                ? html`<button type="button" class="link-button" @click=${() => act('reset-location')}>Reset to the camera’s</button>`
                : nothing}
            </p>`
          : html`<p class="muted">No location.</p>`}
      </section>

      ${locked
        ? nothing
        : html`<section class="info-section" aria-label="Correction">
            <h3>Correction</h3>
            <div class="button-row">
              <button type="button" class="button" @click=${() => rotate(-90)}>Rotate left</button>
              <button type="button" class="button" @click=${() => rotate(90)}>Rotate right</button>
            </div>
            <label class="field">
              <span class="field-label">Exposure <output>${signed(correction.exposure_ev)} EV</output></span>
              <input
                type="range"
                aria-label="Exposure"
                min="-5"
                max="5"
                step="0.25"
                .value=${String(correction.exposure_ev)}
                @change=${(e) => expose(Number(e.target.value))}
              />
            </label>
            ${detail.correction
              ? html`<button type="button" class="link-button" @click=${resetCorrection}>Remove the correction</button>`
              : nothing}
          </section>`}

      <section class="info-section" aria-label="Files">
        <h3>Files</h3>
        <ul class="files">
          ${detail.files.map(
            (file) => html`<li class="file">
              <span class="file-state is-${file.state}" title=${FILE_STATE_LABELS[file.state] ?? file.state}>${file.state}</span>
              <span class="file-path" title=${file.file_path}>${file.file_path}</span>
              <span class="muted">${file.file_type}${file.is_master ? ' · master' : ''}</span>
            </li>`,
          )}
        </ul>
      </section>

      <section class="info-section" aria-label="Registration">
        <dl class="facts">
          ${detail.session
            ? html`<dt>Session</dt>
                <dd><a href=${`/?session=${detail.session.id}`}>${detail.session.name}</a></dd>`
            : nothing}
          ${fact('Registered', moment(detail.registered_at))}
          ${fact('Hothash', detail.hothash, 'mono')}
        </dl>
      </section>
    `;
  };

  /** @param {boolean} on */
  const setAdvance = (on) => {
    advance = on;
    localStorage.setItem(ADVANCE_KEY, on ? 'on' : 'off');
    paint();
  };

  /** @param {boolean} on */
  const setInfo = (on) => {
    info = on;
    localStorage.setItem(INFO_KEY, on ? 'on' : 'off');
    paint();
  };

  /** @param {string} hothash read the photo's facts again, and show them if it is still shown */
  const reload = (hothash) => {
    details.delete(hothash);
    photo(hothash)
      .then((detail) => {
        if (detail.hothash === state.hothash) {
          state.detail = detail;
          paint();
        }
      })
      .catch(() => {});
  };

  const onChanged = (/** @type {Event} */ event) => {
    const { hothashes } = /** @type {CustomEvent} */ (event).detail;
    if (hothashes.includes(state.hothash)) reload(state.hothash);
  };
  edits.photoEvents.addEventListener('changed', onChanged);
  // The list changed (a trash, an undo, new photos): find this photo's place again.
  const onBuckets = async () => {
    if (!state.detail || state.missing) return;
    const generation = state.generation;
    const [item] = state.index >= 0 ? await browse.items(state.index, state.index) : [];
    if (generation !== state.generation) return;
    if (item?.hothash !== state.hothash) await locate(state.detail, generation);
    if (generation === state.generation) paint();
  };
  browse.addEventListener('buckets', onBuckets);
  let session = app.get().session;
  const unsubscribe = [
    lookups.subscribe(paint),
    // The session says what may be edited; toasts and the banner are the shell's.
    app.subscribe((next) => {
      if (next.session === session) return;
      session = next.session;
      paint();
    }),
  ];
  for (const list of /** @type {const} */ (['events', 'categories', 'photographers'])) need(list);

  update(ctx);

  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const locked = readOnly();
    switch (event.key) {
      case 'ArrowRight':
        go(1);
        return true;
      case 'ArrowLeft':
        go(-1);
        return true;
      case 'Escape':
        close();
        return true;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
        if (!locked) rate(event.key === '0' ? null : Number(event.key));
        return true;
      case 'Delete':
      case 'Backspace':
        if (!locked && state.detail) act(state.detail.deleted_at ? 'restore' : 'delete');
        return true;
      case '[':
        if (!locked) rotate(-90);
        return true;
      case ']':
        if (!locked) rotate(90);
        return true;
      case 'i':
      case 'I':
        setInfo(!info);
        return true;
      case 'a':
      case 'A':
        if (!locked) setAdvance(!advance);
        return true;
      default:
        return false;
    }
  };

  return {
    update,
    onKey,
    unmount() {
      state.generation += 1;
      edits.photoEvents.removeEventListener('changed', onChanged);
      browse.removeEventListener('buckets', onBuckets);
      for (const off of unsubscribe) off();
      previews.clear();
      render(nothing, el);
    },
  };
}

/**
 * A photo's detail, from the recent ones or the API.
 * @param {string} hothash
 */
async function photo(hothash) {
  const known = details.get(hothash);
  if (known) return known;
  const detail = await api.get(`/api/photos/${hothash}`);
  remember(detail);
  return detail;
}

/**
 * Whether the catalog has a photo, in the library or the trash, asked in a way that
 * answers 200 either way (a 404 would be logged by the browser as an error).
 * @param {string} hothash
 */
async function exists(hothash) {
  const [kept, trashed] = await Promise.all([
    api.get('/api/photos', { hothash, limit: 1 }),
    api.get('/api/photos', { hothash, deleted: 'true', limit: 1 }),
  ]);
  return kept.length + trashed.length > 0;
}

/** @param {any} detail */
function remember(detail) {
  details.delete(detail.hothash);
  details.set(detail.hothash, detail);
  while (details.size > DETAILS_MAX) details.delete(/** @type {string} */ (details.keys().next().value));
}

/** @param {any} correction @returns {Partial<typeof NO_CORRECTION>} the fields a PUT takes */
function pickCorrection(correction) {
  if (!correction) return {};
  return Object.fromEntries(Object.keys(NO_CORRECTION).map((k) => [k, correction[k]]));
}

/**
 * @param {number|null} rating
 * @param {boolean} locked
 * @param {(rating: number|null) => void} rate
 */
function ratingControl(rating, locked, rate) {
  if (locked) return html`<span class="stars" role="img" aria-label=${`Rating: ${ratingText(rating)}`}>${stars(rating)}</span>`;
  return html`<div class="rating" role="group" aria-label="Rating">
    ${[1, 2, 3, 4, 5].map(
      (r) => html`<button
        type="button"
        class="star-button ${rating !== null && r <= rating ? 'is-on' : ''}"
        aria-label=${`Rate ${r} star${r > 1 ? 's' : ''}`}
        aria-pressed=${rating === r ? 'true' : 'false'}
        title=${`${r} (${r})`}
        @click=${() => rate(rating === r ? null : r)}
      >
        ★
      </button>`,
    )}
  </div>`;
}

/**
 * @param {string} label
 * @param {import('../lookups.js').Option[]|undefined} options
 * @param {string|null} value
 * @param {boolean} allowNone
 * @param {(value: string) => void} onChange
 */
function editSelect(label, options, value, allowNone, onChange) {
  return html`<label class="field">
    <span class="field-label">${label}</span>
    <select aria-label=${label} @change=${(e) => onChange(e.target.value)}>
      ${allowNone ? html`<option value="" ?selected=${!value}>None</option>` : nothing}
      ${options === undefined
        ? html`<option value=${value ?? ''} selected>Loading…</option>`
        : options.map(
            (o) => html`<option value=${o.value} ?selected=${o.value === value}>${o.child ? '\u2003' : ''}${o.label}</option>`,
          )}
    </select>
  </label>`;
}

/**
 * @param {import('../lookups.js').Option[]|undefined} options
 * @param {string|null} value
 */
function lookupLabel(options, value) {
  if (!value) return '—';
  return options?.find((o) => o.value === value)?.label ?? '…';
}

/**
 * @param {string} term
 * @param {string} value
 * @param {string} [className]
 */
function fact(term, value, className = '') {
  return html`<dt>${term}</dt>
    <dd class=${className}>${value}</dd>`;
}

/** @param {any} detail @returns {string} "1/250 s · f/2.8" */
function exposureText(detail) {
  const parts = [];
  if (detail.shutter_speed) parts.push(`${detail.shutter_speed} s`);
  if (detail.aperture) parts.push(`f/${trimNumber(detail.aperture)}`);
  return parts.join(' · ');
}

/** @param {number} value @returns {string} without needless decimals */
function trimNumber(value) {
  return String(Math.round(value * 10) / 10);
}

/** @param {number} value @returns {string} "+1.5", "−0.5", "0" */
function signed(value) {
  if (value === 0) return '0';
  return value > 0 ? `+${value}` : `−${Math.abs(value)}`;
}
