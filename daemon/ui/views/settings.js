// The Settings page, on a local daemon only: every setting `PATCH /api/settings` takes,
// saved together (only the changed ones are sent), and the catalog's photographers and
// categories: add, rename, remove, and merging one photographer into another. The form
// mirrors the API's bounds so the browser refuses what the API would; what the API
// refuses all the same is shown next to the field it names, and nothing is saved then.

import { html, nothing, render } from '../vendor/lit-html/lit-html.js';
import * as api from '../api.js';
import { app, toast } from '../store.js';
import { confirm, modal } from '../components/dialog.js';
import { describedBy, fieldError, fieldOf } from '../components/fielderror.js';
import { SORTS, setDefaultSort } from '../filters.js';
import { plural } from '../format.js';
import { reload } from '../lookups.js';

/**
 * One setting's field, with the bounds `protocol/settings.py` gives it.
 * @typedef {object} SettingField
 * @property {string} name the setting's name in the API
 * @property {string} label
 * @property {'text'|'textarea'|'number'|'checkbox'|'select'} kind
 * @property {string} [hint]
 * @property {number} [maxlength]
 * @property {number} [min]
 * @property {number} [max]
 * @property {string} [step]
 * @property {string} [unit]
 * @property {string} [inputmode]
 * @property {{value: string, label: string}[]} [options]
 */

/** @type {{title: string, fields: SettingField[]}[]} */
const GROUPS = [
  {
    title: 'This installation',
    fields: [
      {
        name: 'instance_name',
        label: 'Name',
        kind: 'text',
        maxlength: 200,
        hint: 'Shown in the top bar; a central server knows this machine by it unless it was given another name there.',
      },
      { name: 'owner_name', label: 'Owner', kind: 'text', maxlength: 200 },
      // Any text the API takes: a stricter type="url" would refuse a value saved before.
      { name: 'owner_website', label: 'Owner’s website', kind: 'text', maxlength: 200, inputmode: 'url' },
      { name: 'owner_bio', label: 'About the owner', kind: 'textarea', maxlength: 10_000 },
    ],
  },
  {
    title: 'Browsing',
    fields: [
      { name: 'default_sort', label: 'Default order', kind: 'select', options: SORTS },
      { name: 'show_deleted_in_gallery', label: 'Show photos in the trash among the others', kind: 'checkbox' },
      {
        name: 'browse_buffer_size',
        label: 'Photos fetched at a time',
        kind: 'number',
        min: 1,
        max: 10_000,
        step: '1',
        unit: 'photos',
      },
    ],
  },
  {
    title: 'Previews',
    fields: [
      {
        name: 'coldpreview_max_px',
        label: 'Preview size, longest side',
        kind: 'number',
        min: 150,
        max: 8000,
        step: '1',
        unit: 'pixels',
        hint: 'For photos registered from now on; previews made already keep their size.',
      },
      {
        name: 'coldpreview_quality',
        label: 'Preview JPEG quality',
        kind: 'number',
        min: 1,
        max: 100,
        step: '1',
        unit: 'of 100',
      },
    ],
  },
  {
    title: 'Watched folders',
    fields: [
      {
        name: 'watching_enabled',
        label: 'Watch folders for new photos',
        kind: 'checkbox',
        hint: 'Off: no folder is watched; the folders stay set up for later.',
      },
      {
        name: 'watch_quiet_seconds',
        label: 'Wait before registering a new file',
        kind: 'number',
        min: 0.1,
        max: 3600,
        step: 'any',
        unit: 'seconds',
        hint: 'A file is registered once its size and time have stayed the same this long (it may still be copying).',
      },
      {
        name: 'watch_rescan_minutes',
        label: 'Look through every folder again every',
        kind: 'number',
        min: 1,
        max: 10_080,
        step: '1',
        unit: 'minutes',
        hint: 'For changes the system did not report.',
      },
    ],
  },
  {
    title: 'Sync',
    fields: [
      {
        name: 'sync_reminder_days',
        label: 'Remind me when photos have waited unsynced for',
        kind: 'number',
        min: 0,
        max: 365,
        step: '1',
        unit: 'days',
        hint: '0: never remind.',
      },
    ],
  },
];
const FIELDS = GROUPS.flatMap((g) => g.fields);
const FIELD_NAMES = FIELDS.map((f) => f.name);

/**
 * @typedef {object} Photographer
 * @property {string} id
 * @property {string} name
 * @property {boolean} is_default
 * @property {boolean} is_unknown
 */

/**
 * @typedef {object} Category
 * @property {string} id
 * @property {string} name
 * @property {boolean} excluded_from_stream
 */

/**
 * A list of names (photographers, categories) and what is being done to it.
 * @typedef {object} NameList
 * @property {'photographers'|'categories'} kind its API path and lookups name
 * @property {string} one e.g. 'photographer'
 * @property {(Photographer|Category)[]} items
 * @property {string|null} renaming the id of the row being renamed
 * @property {string} renameError
 * @property {string} addError
 * @property {boolean} busy a request is under way
 * @property {Map<string, string>} refusals what the API refused for a row, by id
 */

/**
 * @param {HTMLElement} root
 * @returns {import('../router.js').MountedView}
 */
export default function mountSettings(root) {
  const el = document.createElement('div');
  el.className = 'page';
  root.append(el);
  const aborts = new AbortController();
  const { signal } = aborts;
  let stopped = false;

  const state = {
    loaded: false,
    failed: '',
    /** the settings as saved @type {Record<string, any>} */
    saved: {},
    /** the form's values: strings, and booleans for the checkboxes @type {Record<string, string|boolean>} */
    draft: {},
    saving: false,
    /** @type {Record<string, string>} */
    errors: {},
    general: '',
    /** what `hotprevue status` shows (GET /api/status) @type {any} */
    status: null,
  };
  /** @type {NameList} */
  const photographers = newList('photographers', 'photographer');
  /** @type {NameList} */
  const categories = newList('categories', 'category');

  const paint = () => {
    if (!stopped) render(page(), el);
  };

  /**
   * The focus fell with a button that was disabled while a list was busy, or went away
   * with its row: give it to this one.
   * @param {string} selector
   */
  const refocus = (selector) => {
    if (document.activeElement && document.activeElement !== document.body) return;
    /** @type {HTMLElement|null} */ (el.querySelector(selector))?.focus();
  };

  // The fields are not bound to the draft: a value typed halfway (a number's "1e") is
  // the browser's until it is one, and writing the draft back would wipe it. They get
  // the draft here, when it is reset: after loading, saving and discarding.
  const fill = () => {
    for (const f of FIELDS) {
      const input = /** @type {HTMLInputElement|null} */ (el.querySelector(`#setting-${f.name}`));
      if (!input) continue;
      if (f.kind === 'checkbox') input.checked = Boolean(state.draft[f.name]);
      else input.value = String(state.draft[f.name]);
    }
  };

  const load = async () => {
    state.failed = '';
    paint();
    try {
      const [saved, people, kinds, status] = await Promise.all([
        api.get('/api/settings', undefined, { signal }),
        api.get('/api/photographers', undefined, { signal }),
        api.get('/api/categories', undefined, { signal }),
        api.get('/api/status', undefined, { signal }),
      ]);
      state.status = status;
      setSaved(saved);
      photographers.items = people;
      categories.items = kinds;
      state.loaded = true;
    } catch (error) {
      if (api.isAbort(error)) return;
      state.failed = api.reason(error);
    }
    paint();
    fill();
  };

  /** @param {Record<string, any>} saved */
  const setSaved = (saved) => {
    state.saved = saved;
    state.draft = Object.fromEntries(
      FIELDS.map((f) => [f.name, f.kind === 'checkbox' ? Boolean(saved[f.name]) : String(saved[f.name] ?? '')]),
    );
  };

  /** @returns {Record<string, unknown>} the fields whose value differs from the saved one */
  const changes = () => {
    /** @type {Record<string, unknown>} */
    const patch = {};
    for (const f of FIELDS) {
      const value = state.draft[f.name];
      const typed = f.kind === 'number' ? Number(value) : value;
      if (typed !== state.saved[f.name]) patch[f.name] = typed;
    }
    return patch;
  };

  /** @param {SubmitEvent} event (the browser has checked the bounds before it fires) */
  const save = async (event) => {
    event.preventDefault();
    // The form stays enabled while it is sent (disabling it would drop the focus).
    if (state.saving) return;
    const patch = changes();
    state.errors = {};
    state.general = '';
    if (Object.keys(patch).length === 0) {
      toast('Nothing to save: no setting was changed.');
      paint();
      return;
    }
    state.saving = true;
    paint();
    try {
      const saved = await api.patch('/api/settings', patch, { signal });
      setSaved(saved);
      const session = app.get().session;
      // The top bar shows the installation's name; the library opens in the default order.
      if (session && 'instance_name' in patch) app.set({ session: { ...session, instance_name: saved.instance_name } });
      setDefaultSort(saved.default_sort);
      toast(`Saved ${plural(Object.keys(patch).length, 'setting')}.`);
    } catch (error) {
      if (api.isAbort(error)) return;
      const detail = api.reason(error);
      const field = error instanceof api.ApiError ? fieldOf(error.detail, FIELD_NAMES) : null;
      if (field) state.errors = { [field]: detail };
      else state.general = detail;
      state.saving = false;
      paint();
      if (field) /** @type {HTMLElement|null} */ (el.querySelector(`#setting-${field}`))?.focus();
      return;
    }
    state.saving = false;
    paint();
    fill();
  };

  const discard = () => {
    setSaved(state.saved);
    state.errors = {};
    state.general = '';
    paint();
    fill();
  };

  /**
   * @param {string} name
   * @param {string|boolean} value
   */
  const edit = (name, value) => {
    state.draft[name] = value;
    // The refusal was about the value that is being changed now.
    delete state.errors[name];
    paint();
  };

  // -- photographers and categories ---------------------------------------------------

  /**
   * Read a list again, here and for the rest of the app.
   * @param {NameList} list
   */
  const reread = async (list) => {
    try {
      list.items = await api.get(`/api/${list.kind}`, undefined, { signal });
    } catch (error) {
      if (!api.isAbort(error)) toast(`The ${list.kind} could not be read again: ${api.reason(error)}`, { kind: 'error' });
    }
    reload(list.kind).catch(() => {});
  };

  /**
   * @param {NameList} list
   * @param {SubmitEvent} event
   */
  const addName = async (list, event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const name = String(new FormData(form).get('name') ?? '').trim();
    list.busy = true;
    list.addError = '';
    paint();
    try {
      await api.post(`/api/${list.kind}`, { name }, { signal });
      form.reset();
      await reread(list);
      toast(`Added the ${list.one} “${name}”.`);
    } catch (error) {
      if (api.isAbort(error)) return;
      list.addError = api.reason(error);
    } finally {
      list.busy = false;
    }
    paint();
    /** @type {HTMLElement|null} */ (el.querySelector(`#${list.kind}-new`))?.focus();
  };

  /**
   * @param {NameList} list
   * @param {string|null} id the row to rename, null: none
   */
  const startRename = (list, id) => {
    const previous = list.renaming;
    list.renaming = id;
    list.renameError = '';
    paint();
    if (id) {
      const input = /** @type {HTMLInputElement|null} */ (el.querySelector(`#${list.kind}-rename-${id}`));
      input?.focus();
      input?.select();
    } else if (previous) {
      /** @type {HTMLElement|null} */ (el.querySelector(`[data-rename="${previous}"]`))?.focus();
    }
  };

  /**
   * @param {NameList} list
   * @param {Photographer|Category} item
   * @param {SubmitEvent} event
   */
  const rename = async (list, item, event) => {
    event.preventDefault();
    const name = String(new FormData(/** @type {HTMLFormElement} */ (event.currentTarget)).get('name') ?? '').trim();
    if (name === item.name) {
      startRename(list, null);
      return;
    }
    list.busy = true;
    list.renameError = '';
    paint();
    try {
      await api.patch(`/api/${list.kind}/${item.id}`, { name }, { signal });
      await reread(list);
      list.busy = false;
      startRename(list, null);
      toast(`Renamed “${item.name}” to “${name}”.`);
      return;
    } catch (error) {
      if (api.isAbort(error)) return;
      list.renameError = api.reason(error);
    }
    list.busy = false;
    paint();
    /** @type {HTMLElement|null} */ (el.querySelector(`#${list.kind}-rename-${item.id}`))?.focus();
  };

  /**
   * @param {NameList} list
   * @param {Photographer|Category} item
   */
  const remove = async (list, item) => {
    const text =
      list.kind === 'categories'
        ? `Its photos lose the category “${item.name}” and keep everything else.`
        : `“${item.name}” leaves the list. Photos are not touched: a photographer who still has photos is not removed.`;
    const sure = await confirm(`Remove the ${list.one} “${item.name}”?`, text, `Remove ${list.one}`);
    if (!sure || stopped) return;
    list.busy = true;
    list.refusals.delete(item.id);
    paint();
    try {
      await api.del(`/api/${list.kind}/${item.id}`, { signal });
      await reread(list);
      toast(`Removed the ${list.one} “${item.name}”.`);
    } catch (error) {
      if (api.isAbort(error)) return;
      let refusal = api.reason(error);
      if (list.kind === 'photographers' && error instanceof api.ApiError && error.status === 409 && canMerge(item)) {
        refusal += `. “Merge into…” does that, and removes ${item.name}.`;
      }
      list.refusals.set(item.id, refusal);
    } finally {
      list.busy = false;
    }
    paint();
    refocus(`[data-remove="${item.id}"]`);
    refocus(`#${list.kind}-new`);
  };

  /** @param {Photographer} from */
  const merge = async (from) => {
    const others = /** @type {Photographer[]} */ (photographers.items).filter((p) => p.id !== from.id);
    const into = await modal(`Merge “${from.name}” into…`, (close) => html`<form
      class="dialog-form"
      @submit=${(/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        close(String(new FormData(/** @type {HTMLFormElement} */ (e.target)).get('into') ?? ''));
      }}
    >
      <h2>Merge “${from.name}” into…</h2>
      <div class="field">
        <label class="field-label" for="merge-into">The photographer who stays</label>
        <select id="merge-into" name="into" required autofocus>
          ${others.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
        </select>
      </div>
      <div class="dialog-actions">
        <button type="button" class="button" @click=${() => close(null)}>Cancel</button>
        <button type="submit" class="button is-primary">Continue</button>
      </div>
    </form>`);
    const survivor = others.find((p) => p.id === into);
    if (!survivor || stopped) return;
    photographers.busy = true;
    photographers.refusals.delete(from.id);
    paint();
    try {
      const photos = await photoCount(from.id);
      const sure = await confirm(
        `Merge “${from.name}” into “${survivor.name}”?`,
        mergeText(photos, from.name, survivor.name),
        'Merge',
      );
      if (!sure || stopped) return;
      await api.post(`/api/photographers/${from.id}/merge`, { into: survivor.id }, { signal });
      await reread(photographers);
      toast(`Merged “${from.name}” into “${survivor.name}”.`);
    } catch (error) {
      if (api.isAbort(error)) return;
      photographers.refusals.set(from.id, api.reason(error));
    } finally {
      photographers.busy = false;
      paint();
      refocus(`[data-merge="${from.id}"]`);
      refocus('#photographers-new');
    }
  };

  /**
   * How many photos a photographer has, those in the trash too (a merge moves them all).
   * @param {string} id
   * @returns {Promise<number>}
   */
  const photoCount = async (id) => {
    const [shown, trashed] = await Promise.all(
      [false, true].map((deleted) =>
        api.get('/api/photos/buckets', { photographer_id: id, granularity: 'month', deleted }, { signal }),
      ),
    );
    return shown.total + trashed.total;
  };

  // -- templates ------------------------------------------------------------------------

  const page = () => html`<div class="setup-page settings-page">
    <header class="setup-head">
      <h1>Settings</h1>
      <p class="muted">This installation’s settings stay on this machine: a sync does not send them.</p>
    </header>
    ${state.failed
      ? html`<div class="setup-failed" role="alert">
          <p>The settings could not be read: ${state.failed}</p>
          <button type="button" class="button" @click=${load}>Try again</button>
        </div>`
      : !state.loaded
        ? html`<p class="muted"><span class="spinner is-small" aria-hidden="true"></span> Loading…</p>`
        : html`${settingsForm()} ${nameList(photographers)} ${nameList(categories)} ${about()}`}
  </div>`;

  // What `hotprevue status` prints: where the catalog lives and how big it is.
  const about = () => {
    const status = state.status;
    if (!status) return nothing;
    const megabytes = status.database_size_bytes / (1024 * 1024);
    return html`<section class="setup-section" aria-labelledby="about-title">
      <h2 id="about-title">About this catalog</h2>
      <dl class="about-catalog">
        <dt>Photos</dt>
        <dd>${status.photo_count.toLocaleString('en')}</dd>
        <dt>Database</dt>
        <dd>${megabytes < 1024 ? `${megabytes.toFixed(0)} MB` : `${(megabytes / 1024).toFixed(1)} GB`}</dd>
        <dt>Data folder</dt>
        <dd class="mono">${status.data_dir}</dd>
        <dt>Previews</dt>
        <dd class="mono">${status.coldpreview_dir}</dd>
        <dt>Version</dt>
        <dd>Hotprevue ${status.version}</dd>
      </dl>
      <p class="setup-hint">Stop Hotprevue from the tray or with <kbd>hotprevue stop</kbd>; a web page cannot stop it.</p>
    </section>`;
  };

  const settingsForm = () => {
    const dirty = Object.keys(changes()).length > 0;
    return html`<section class="setup-section">
      <form aria-label="Settings" @submit=${save}>
        ${GROUPS.map(
          (group) => html`<fieldset class="setup-group">
            <legend>${group.title}</legend>
            ${group.fields.map((f) => settingField(f))}
          </fieldset>`,
        )}
        ${state.general ? html`<p class="setup-error" role="alert">${state.general}</p>` : nothing}
        <div class="setup-form-actions">
          <button type="submit" class="button is-primary">Save</button>
          <button type="button" class="button" ?disabled=${state.saving || !dirty} @click=${discard}>Discard changes</button>
          ${state.saving ? html`<span class="spinner is-small" aria-hidden="true"></span>` : nothing}
          <span class="muted">${dirty ? 'Changes not saved yet.' : ''}</span>
        </div>
        <p class="setup-hint">Installation id: <span class="mono">${state.saved.installation_id}</span></p>
      </form>
    </section>`;
  };

  /** @param {SettingField} f */
  const settingField = (f) => {
    const id = `setting-${f.name}`;
    const error = state.errors[f.name];
    const hintId = f.hint ? `${id}-hint` : null;
    const describedby = describedBy(hintId, `${id}-error`, error);
    const invalid = error ? 'true' : 'false';
    const hint = f.hint ? html`<span class="setup-hint" id=${hintId}>${f.hint}</span>` : nothing;
    if (f.kind === 'checkbox') {
      return html`<div class="field">
        <label class="check" for=${id}>
          <input
            id=${id}
            type="checkbox"
            aria-describedby=${describedby}
            aria-invalid=${invalid}
            @change=${(/** @type {Event} */ e) => edit(f.name, /** @type {HTMLInputElement} */ (e.target).checked)}
          />
          ${f.label}
        </label>
        ${hint} ${fieldError(`${id}-error`, error)}
      </div>`;
    }
    const onInput = (/** @type {Event} */ e) => edit(f.name, /** @type {HTMLInputElement} */ (e.target).value);
    let input;
    if (f.kind === 'select') {
      input = html`<select id=${id} aria-describedby=${describedby} aria-invalid=${invalid} @change=${onInput}>
        ${(f.options ?? []).map((o) => html`<option value=${o.value}>${o.label}</option>`)}
      </select>`;
    } else if (f.kind === 'textarea') {
      input = html`<textarea
        id=${id}
        rows="4"
        maxlength=${f.maxlength ?? nothing}
        aria-describedby=${describedby}
        aria-invalid=${invalid}
        @input=${onInput}
      ></textarea>`;
    } else if (f.kind === 'number') {
      input = html`<span class="setup-number">
        <input
          id=${id}
          type="number"
          required
          min=${f.min ?? nothing}
          max=${f.max ?? nothing}
          step=${f.step ?? nothing}
          aria-describedby=${describedby}
          aria-invalid=${invalid}
          @input=${onInput}
        />
        ${f.unit ? html`<span class="muted">${f.unit}</span>` : nothing}
      </span>`;
    } else {
      input = html`<input
        id=${id}
        type="text"
        maxlength=${f.maxlength ?? nothing}
        inputmode=${f.inputmode ?? nothing}
        aria-describedby=${describedby}
        aria-invalid=${invalid}
        @input=${onInput}
      />`;
    }
    return html`<div class="field">
      <label class="field-label" for=${id}>${f.label}</label>
      ${input} ${hint} ${fieldError(`${id}-error`, error)}
    </div>`;
  };

  /** @param {NameList} list */
  const nameList = (list) => {
    const title = list.kind === 'photographers' ? 'Photographers' : 'Categories';
    const titleId = `${list.kind}-title`;
    const addId = `${list.kind}-new`;
    return html`<section class="setup-section" aria-labelledby=${titleId}>
      <h2 id=${titleId}>${title}</h2>
      ${list.items.length === 0
        ? html`<p class="muted">No ${list.kind} yet.</p>`
        : html`<ul class="setup-list is-compact" aria-labelledby=${titleId}>
            ${list.items.map((item) => nameRow(list, item))}
          </ul>`}
      <form class="setup-inline" @submit=${(/** @type {SubmitEvent} */ e) => addName(list, e)}>
        <div class="field">
          <label class="field-label" for=${addId}>New ${list.one}</label>
          <input
            id=${addId}
            name="name"
            type="text"
            required
            maxlength="200"
            pattern=".*\\S.*"
            title="A name, not only spaces"
            aria-describedby=${describedBy(null, `${addId}-error`, list.addError)}
            aria-invalid=${list.addError ? 'true' : 'false'}
            ?disabled=${list.busy}
            @input=${() => {
              if (list.addError) {
                list.addError = '';
                paint();
              }
            }}
          />
          ${fieldError(`${addId}-error`, list.addError)}
        </div>
        <button type="submit" class="button" ?disabled=${list.busy}>Add ${list.one}</button>
      </form>
    </section>`;
  };

  /**
   * @param {NameList} list
   * @param {Photographer|Category} item
   */
  const nameRow = (list, item) => {
    const person = list.kind === 'photographers' ? /** @type {Photographer} */ (item) : null;
    const builtIn = Boolean(person && (person.is_default || person.is_unknown));
    const refusal = list.refusals.get(item.id);
    const hook = list.kind === 'photographers' ? { photographer: item.id, category: nothing } : { photographer: nothing, category: item.id };
    if (list.renaming === item.id) {
      const inputId = `${list.kind}-rename-${item.id}`;
      return html`<li class="setup-row is-compact" data-photographer-id=${hook.photographer} data-category-id=${hook.category}>
        <form
          class="setup-inline"
          @submit=${(/** @type {SubmitEvent} */ e) => rename(list, item, e)}
          @keydown=${(/** @type {KeyboardEvent} */ e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              startRename(list, null);
            }
          }}
        >
          <div class="field">
            <label class="visually-hidden" for=${inputId}>New name for “${item.name}”</label>
            <input
              id=${inputId}
              name="name"
              type="text"
              required
              maxlength="200"
              pattern=".*\\S.*"
              title="A name, not only spaces"
              .value=${item.name}
              aria-describedby=${describedBy(null, `${inputId}-error`, list.renameError)}
              aria-invalid=${list.renameError ? 'true' : 'false'}
              ?disabled=${list.busy}
            />
            ${fieldError(`${inputId}-error`, list.renameError)}
          </div>
          <button type="submit" class="button is-primary" ?disabled=${list.busy}>Save</button>
          <button type="button" class="button" @click=${() => startRename(list, null)}>Cancel</button>
        </form>
      </li>`;
    }
    return html`<li class="setup-row is-compact" data-photographer-id=${hook.photographer} data-category-id=${hook.category}>
      <div class="setup-name-line">
        <span class="setup-name">${item.name}</span>
        ${person?.is_default ? html`<span class="pill" title="The owner: photos are credited to them unless said otherwise">Default</span>` : nothing}
        ${person?.is_unknown ? html`<span class="pill" title="For photos whose photographer is not known">Unknown</span>` : nothing}
        <span class="setup-actions">
          <button
            type="button"
            class="button is-quiet"
            data-rename=${item.id}
            aria-label=${`Rename “${item.name}”`}
            ?disabled=${list.busy}
            @click=${() => startRename(list, item.id)}
          >
            Rename
          </button>
          ${person && canMerge(person) && list.items.length > 1
            ? html`<button
                type="button"
                class="button is-quiet"
                data-merge=${item.id}
                aria-label=${`Merge “${item.name}” into…`}
                ?disabled=${list.busy}
                @click=${() => merge(person)}
              >
                Merge into…
              </button>`
            : nothing}
          ${builtIn
            ? nothing
            : html`<button
                type="button"
                class="button is-quiet is-danger"
                data-remove=${item.id}
                aria-label=${`Remove “${item.name}”`}
                ?disabled=${list.busy}
                @click=${() => remove(list, item)}
              >
                Remove
              </button>`}
        </span>
      </div>
      ${refusal ? html`<p class="setup-error" role="alert">${refusal}</p>` : nothing}
    </li>`;
  };

  paint();
  load();
  return {
    unmount() {
      stopped = true;
      aborts.abort();
      render(nothing, el);
    },
  };
}

/**
 * @param {'photographers'|'categories'} kind
 * @param {string} one
 * @returns {NameList}
 */
function newList(kind, one) {
  return { kind, one, items: [], renaming: null, renameError: '', addError: '', busy: false, refusals: new Map() };
}

/**
 * Whether a photographer may be merged away: the default and unknown ones always stay.
 * @param {Photographer|Category} item
 */
function canMerge(item) {
  const person = /** @type {Photographer} */ (item);
  return !person.is_default && !person.is_unknown;
}

/**
 * What merging says it will do.
 * @param {number} photos
 * @param {string} from
 * @param {string} into
 */
function mergeText(photos, from, into) {
  if (photos === 0) return `${from} has no photos; ${from} is removed.`;
  if (photos === 1) return `The 1 photo of ${from} becomes ${into}’s; ${from} is removed.`;
  return `All ${plural(photos, 'photo')} of ${from} become ${into}’s; ${from} is removed.`;
}
