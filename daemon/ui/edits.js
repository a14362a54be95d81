// Changes to photos, shared by keys, the batch bar and the loupe. Each shows its result
// at once in the loaded photos (optimistic) and rolls back what the daemon refused,
// with a toast saying so. Nothing here runs on a read-only (central) session.

import * as api from './api.js';
import { browse } from './grid/model.js';
import { plural } from './format.js';
import { readOnly, toast } from './store.js';

/**
 * `changed` (detail {hothashes}): photos were edited; views showing one refresh it.
 */
export const photoEvents = new EventTarget();

/** @param {string[]} hothashes */
function changed(hothashes) {
  photoEvents.dispatchEvent(new CustomEvent('changed', { detail: { hothashes } }));
}

/** @param {unknown} error @param {string} what */
function failed(error, what) {
  if (api.isAbort(error)) return;
  const detail = error instanceof api.ApiError ? error.detail : String(error);
  toast(`${what} failed: ${detail}`, { kind: 'error' });
}

/**
 * Apply one change to many photos optimistically, then send it.
 * @param {string[]} hothashes
 * @param {(item: import('./grid/pages.js').Item) => object} change the new values
 * @param {() => Promise<{updated: string[], failed: {hothash: string, reason: string}[]}|null>} send
 * @param {string} what for the error toast
 * @returns {Promise<boolean>} whether every photo changed
 */
async function optimistic(hothashes, change, send, what) {
  if (readOnly() || hothashes.length === 0) return false;
  const before = browse.patch(hothashes, change);
  try {
    const result = await send();
    if (result && result.failed.length > 0) {
      const failedHashes = new Set(result.failed.map((f) => f.hothash));
      browse.revert(new Map([...before].filter(([h]) => failedHashes.has(h))));
      toast(`${plural(result.failed.length, 'photo')} could not be changed: ${result.failed[0].reason}`, {
        kind: 'error',
      });
    }
    changed(hothashes);
    return !result || result.failed.length === 0;
  } catch (error) {
    browse.revert(before);
    failed(error, what);
    changed(hothashes);
    return false;
  }
}

/**
 * Set or clear (null) the rating.
 * @param {string[]} hothashes
 * @param {number|null} rating
 */
export function rate(hothashes, rating) {
  return optimistic(
    hothashes,
    () => ({ rating }),
    async () =>
      hothashes.length === 1
        ? (await api.patch(`/api/photos/${hothashes[0]}`, { rating }), null)
        : api.post('/api/photos/batch/rating', { hothashes, rating }),
    'Rating',
  );
}

/**
 * Add or remove tags.
 * @param {string[]} hothashes
 * @param {'add'|'remove'} edit
 * @param {string[]} tags normalised
 */
export function editTags(hothashes, edit, tags) {
  return optimistic(
    hothashes,
    (item) => ({
      tags:
        edit === 'add'
          ? [...new Set([...item.tags, ...tags])].sort()
          : item.tags.filter((t) => !tags.includes(t)),
    }),
    () => api.post(`/api/photos/batch/tags/${edit}`, { hothashes, tags }),
    edit === 'add' ? 'Adding tags' : 'Removing tags',
  );
}

const FIELDS = {
  event_id: { path: 'event', what: 'Setting the event' },
  category_id: { path: 'category', what: 'Setting the category' },
  photographer_id: { path: 'photographer', what: 'Setting the photographer' },
};

/**
 * Put photos in an event, a category, or credit them to a photographer.
 * @param {'event_id'|'category_id'|'photographer_id'} field
 * @param {string[]} hothashes
 * @param {string|null} value an id (null: none; never for photographer_id)
 */
export function assign(field, hothashes, value) {
  const { path, what } = FIELDS[field];
  return optimistic(
    hothashes,
    () => ({ [field]: value }),
    () => api.post(`/api/photos/batch/${path}`, { hothashes, [field]: value }),
    what,
  ).then((ok) => {
    // Event photo counts changed; the list is only loaded where it is shown.
    if (field === 'event_id') import('./lookups.js').then((m) => m.lookups.get().events && m.reload('events'));
    return ok;
  });
}

/**
 * Move photos to the trash (or out of it), then re-read the list; the toast undoes it.
 * @param {string[]} hothashes
 * @param {boolean} deleted true: to the trash; false: restore
 */
export async function trash(hothashes, deleted) {
  if (readOnly() || hothashes.length === 0) return;
  const stamp = deleted ? new Date().toISOString() : null;
  const ok = await optimistic(
    hothashes,
    () => ({ deleted_at: stamp }),
    () => api.post(`/api/photos/batch/${deleted ? 'delete' : 'restore'}`, { hothashes }),
    deleted ? 'Moving to the trash' : 'Restoring',
  );
  browse.selection = new Set([...browse.selection].filter((h) => !hothashes.includes(h)));
  browse.emit('selection');
  await browse.refresh();
  if (ok) {
    toast(deleted ? `Moved ${plural(hothashes.length, 'photo')} to the trash` : `Restored ${plural(hothashes.length, 'photo')}`, {
      action: { label: 'Undo', run: () => trash(hothashes, !deleted) },
    });
  }
}

/**
 * Stack photos under the first registered one; when the photos are one stack's and
 * others, the others join that stack.
 * @param {string[]} hothashes at least two
 */
export async function makeStack(hothashes) {
  if (readOnly() || hothashes.length < 2) return;
  const stacks = new Set(hothashes.map((h) => browse.byHash(h)?.stack_id).filter(Boolean));
  const joining = stacks.size === 1 ? /** @type {string} */ ([...stacks][0]) : null;
  const others = joining ? hothashes.filter((h) => browse.byHash(h)?.stack_id !== joining) : hothashes;
  if (others.length === 0) return;
  try {
    const stack = joining
      ? await api.post(`/api/stacks/${joining}/photos`, { hothashes: others })
      : await api.post('/api/stacks', { hothashes });
    toast(joining ? `Added ${plural(others.length, 'photo')} to the stack` : `Stacked ${plural(hothashes.length, 'photo')}`);
    browse.clearSelection();
    changed(stack.photos.map((/** @type {{hothash: string}} */ p) => p.hothash));
    await browse.stackChanged(stack.id, stack.photos);
  } catch (error) {
    failed(error, 'Stacking');
  }
}

/**
 * Make a photo its stack's cover: the collapsed list shows it for the stack.
 * @param {string} stackId
 * @param {string} hothash
 * @returns {Promise<boolean>} whether it was done
 */
export async function setCover(stackId, hothash) {
  if (readOnly()) return false;
  try {
    const stack = await api.put(`/api/stacks/${stackId}/cover`, { hothash });
    toast('The stack has a new cover');
    changed(stack.photos.map((/** @type {{hothash: string}} */ p) => p.hothash));
    await browse.stackChanged(stackId, stack.photos);
    return true;
  } catch (error) {
    failed(error, 'Choosing the cover');
    return false;
  }
}

/**
 * Take one photo out of its stack; a stack left with one photo is gone.
 * @param {string} stackId
 * @param {string} hothash
 * @returns {Promise<boolean>} whether it was done
 */
export async function removeFromStack(stackId, hothash) {
  if (readOnly()) return false;
  const photo = browse.byHash(hothash);
  try {
    const stack = await api.del(`/api/stacks/${stackId}/photos/${hothash}`);
    toast('Taken out of the stack');
    changed([hothash, ...(stack?.photos ?? []).map((/** @type {{hothash: string}} */ p) => p.hothash)]);
    await browse.stackChanged(stackId, [...(photo ? [photo] : []), ...(stack?.photos ?? [])], stack === null);
    return true;
  } catch (error) {
    failed(error, 'Taking the photo out of the stack');
    return false;
  }
}

/**
 * Dissolve a stack: each of its photos shows on its own again.
 * @param {string} stackId
 * @returns {Promise<boolean>} whether it was done
 */
export async function unstack(stackId) {
  if (readOnly()) return false;
  try {
    await api.del(`/api/stacks/${stackId}`);
    toast('Unstacked: each photo shows on its own');
    changed(browse.stackPhotos(stackId).map((p) => p.hothash));
    await browse.stackChanged(stackId, [], true);
    return true;
  } catch (error) {
    failed(error, 'Unstacking');
    return false;
  }
}

/**
 * Delete every photo in the trash from the catalog for good, with its previews; the
 * original files are never touched. The caller has asked first.
 */
export async function emptyTrash() {
  if (readOnly()) return;
  try {
    const { deleted } = await api.post('/api/photos/empty-trash');
    toast(`Deleted ${plural(deleted, 'photo')} from the catalog for good`);
    browse.clearSelection();
    await browse.refresh();
  } catch (error) {
    failed(error, 'Emptying the trash');
  }
}

/**
 * Add photos to the end of a collection; a new one when `collectionId` is null.
 * @param {string|null} collectionId
 * @param {string[]} hothashes
 * @param {string} [name] the new collection's name
 */
export async function addToCollection(collectionId, hothashes, name = '') {
  if (readOnly() || hothashes.length === 0) return;
  try {
    let id = collectionId;
    let label = name;
    if (!id) {
      const created = await api.post('/api/collections', { name });
      id = created.id;
    }
    await api.post(`/api/collections/${id}/items/batch`, { hothashes });
    const collections = await (await import('./lookups.js')).reload('collections');
    label = collections.find((c) => c.value === id)?.label ?? label;
    toast(`Added ${plural(hothashes.length, 'photo')} to “${label}”`);
  } catch (error) {
    failed(error, 'Adding to the collection');
  }
}

/**
 * Set a photo's correction (the whole of it: the API replaces it). The grid's tile
 * turns at once; the loupe reloads the coldpreview once this resolves.
 * @param {string} hothash
 * @param {{rotation: number, exposure_ev: number, horizon_angle: number, crop_left: number, crop_top: number, crop_right: number, crop_bottom: number}} correction
 * @returns {Promise<boolean>}
 */
export async function correct(hothash, correction) {
  if (readOnly()) return false;
  const before = browse.patch([hothash], () => ({ rotation: correction.rotation }));
  try {
    await api.put(`/api/photos/${hothash}/correction`, correction);
    changed([hothash]);
    return true;
  } catch (error) {
    browse.revert(before);
    failed(error, 'Correcting');
    return false;
  }
}
