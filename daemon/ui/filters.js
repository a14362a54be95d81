// The library's filters and sort: parsed from the app URL's query string (so a reload
// or a shared link keeps them), written back to it, and turned into API parameters.
// Values that would not pass the API's validation are dropped here, never sent.

/**
 * @typedef {object} Filters
 * @property {string} sort a PhotoSort
 * @property {string[]} tags all of them (AND)
 * @property {string} from taken on or after, "YYYY-MM-DD"
 * @property {string} to taken on or before, "YYYY-MM-DD"
 * @property {string} rating "" any, "unrated", or "1".."5" (at least)
 * @property {string} event event id
 * @property {string} category category id
 * @property {string} photographer photographer id
 * @property {string} session input session id
 * @property {string} camera "make model" as /api/cameras names it
 * @property {string} files "" or online/offline/missing (the master file's state)
 * @property {boolean} damaged only photos whose original is damaged (catalogued, flagged)
 * @property {boolean} trash the trash instead of the library
 * @property {boolean} stacks show every photo of a stack instead of its cover
 */

/** @type {{value: string, label: string}[]} */
export const SORTS = [
  { value: 'taken_at_desc', label: 'Newest first' },
  { value: 'taken_at_asc', label: 'Oldest first' },
  { value: 'registered_at_desc', label: 'Recently registered' },
  { value: 'registered_at_asc', label: 'First registered' },
  { value: 'rating_desc', label: 'Highest rated' },
  { value: 'rating_asc', label: 'Lowest rated' },
];
// The catalog's default order is a setting. This browser remembers the last it was
// told, so the first list is asked for in it before the session has answered.
const DEFAULT_SORT_KEY = 'hotprevue.default-sort';
let defaultSort = knownSort(localStorage.getItem(DEFAULT_SORT_KEY)) ?? 'taken_at_desc';

/**
 * The catalog's default order, as the daemon says it is now.
 * @param {string|undefined} sort
 * @returns {boolean} whether it differs from the one lists were shown in
 */
export function setDefaultSort(sort) {
  const known = knownSort(sort);
  if (known === null || known === defaultSort) return false;
  defaultSort = known;
  localStorage.setItem(DEFAULT_SORT_KEY, known);
  return true;
}
export const FILE_STATES = ['online', 'offline', 'missing'];
/** @type {Record<string, string>} */
export const FILE_STATE_LABELS = {
  online: 'Online',
  offline: 'Offline (disk not connected)',
  missing: 'Missing (file gone)',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** @returns {Filters} no filter, default sort */
export function emptyFilters() {
  return {
    sort: defaultSort,
    tags: [],
    from: '',
    to: '',
    rating: '',
    event: '',
    category: '',
    photographer: '',
    session: '',
    camera: '',
    files: '',
    damaged: false,
    trash: false,
    stacks: false,
  };
}

/**
 * @param {URLSearchParams} query the app URL's query
 * @returns {Filters}
 */
export function parseFilters(query) {
  const f = emptyFilters();
  f.sort = knownSort(query.get('sort')) ?? f.sort;
  f.tags = [...new Set(query.getAll('tag').map(normaliseTag).filter(Boolean))].slice(0, 50);
  f.from = validDate(query.get('from'));
  f.to = validDate(query.get('to'));
  const rating = query.get('rating') ?? '';
  if (rating === 'unrated' || /^[1-5]$/.test(rating)) f.rating = rating;
  for (const key of /** @type {const} */ (['event', 'category', 'photographer', 'session'])) {
    const value = query.get(key) ?? '';
    if (UUID.test(value)) f[key] = value.toLowerCase();
  }
  f.camera = (query.get('camera') ?? '').slice(0, 200);
  const files = query.get('files') ?? '';
  if (FILE_STATES.includes(files)) f.files = files;
  f.damaged = query.get('damaged') === '1';
  f.trash = query.get('trash') === '1';
  f.stacks = query.get('stacks') === 'expanded';
  return f;
}

/**
 * The app URL query for these filters (defaults left out).
 * @param {Filters} f
 * @returns {string} '' or '?…'
 */
export function filtersToSearch(f) {
  const q = new URLSearchParams();
  if (f.sort !== defaultSort) q.set('sort', f.sort);
  for (const tag of f.tags) q.append('tag', tag);
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  if (f.rating) q.set('rating', f.rating);
  for (const key of /** @type {const} */ (['event', 'category', 'photographer', 'session', 'camera', 'files'])) {
    if (f[key]) q.set(key, f[key]);
  }
  if (f.damaged) q.set('damaged', '1');
  if (f.trash) q.set('trash', '1');
  if (f.stacks) q.set('stacks', 'expanded');
  const text = q.toString();
  return text ? `?${text}` : '';
}

/**
 * The parameters /api/photos, /buckets and /hothashes share for these filters.
 * @param {Filters} f
 * @returns {Record<string, string|string[]|undefined>}
 */
export function apiParams(f) {
  return {
    sort: f.sort,
    tags: f.tags.length ? f.tags : undefined,
    taken_after: f.from ? `${f.from}T00:00:00` : undefined,
    taken_before: f.to && f.to < '9999-12-31' ? `${nextDay(f.to)}T00:00:00` : undefined,
    rating_min: /^[1-5]$/.test(f.rating) ? f.rating : undefined,
    rated: f.rating === 'unrated' ? 'false' : undefined,
    event_id: f.event || undefined,
    category_id: f.category || undefined,
    photographer_id: f.photographer || undefined,
    session_id: f.session || undefined,
    camera: f.camera || undefined,
    file_state: f.files || undefined,
    damaged: f.damaged ? 'true' : undefined,
    deleted: f.trash ? 'true' : undefined,
    stacks: f.stacks ? undefined : 'collapsed',
  };
}

/** @param {Filters} f @returns {number} how many filters narrow the list */
export function activeCount(f) {
  return (
    f.tags.length +
    [f.from, f.to, f.rating, f.event, f.category, f.photographer, f.session, f.camera, f.files, f.damaged].filter(Boolean)
      .length
  );
}

/** @param {Filters} a @param {Filters} b */
export function sameFilters(a, b) {
  return filtersToSearch(a) === filtersToSearch(b);
}

/** @param {string} tag @returns {string} as the catalog stores tags: trimmed, lowercase */
export function normaliseTag(tag) {
  return tag.trim().toLowerCase().slice(0, 100);
}

/** @param {string|null|undefined} value @returns {string|null} value, if it is a PhotoSort */
function knownSort(value) {
  return SORTS.some((s) => s.value === value) ? /** @type {string} */ (value) : null;
}

function validDate(value) {
  // Python's datetime, and so the API, knows the years 1 to 9999.
  if (!value || !DATE.test(value) || value.startsWith('0000')) return '';
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? '' : value;
}

/** @param {string} day "YYYY-MM-DD" @returns {string} the day after */
function nextDay(day) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}
