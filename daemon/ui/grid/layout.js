// Pure layout math of the timeline grid: no DOM here, so it can be tested on its own.
//
// The list is a sequence of buckets (a day, a month, a rating) with exact counts.
// Hotpreviews are squares, so a bucket's height follows from its count alone: a
// header, then ceil(count / cols) rows of square tiles. Prefix sums give every
// section's top and first photo index; binary searches map back.

/** @typedef {{key: string, count: number}} Bucket */

/**
 * @typedef {object} Geometry
 * @property {number} width the grid's inner width in CSS px
 * @property {number} tileTarget wished tile size; the real one fills the width
 * @property {number} gap between tiles
 * @property {number} headerHeight a section's header
 * @property {number} sectionGap space after a line of sections
 * @property {number} padding left and right
 * @property {number} blockMin narrowest a section sharing a line is (its header fits)
 * @property {number} blockGap between sections sharing a line
 */

/**
 * @typedef {object} Layout
 * @property {string[]} keys bucket keys, in list order
 * @property {Int32Array} counts photos per section
 * @property {Float64Array} starts first photo index of each section (one extra: total)
 * @property {Float64Array} tops each section's top: its line's (one extra: the height)
 * @property {Float64Array} bottoms the top of the line after each section's line
 * @property {Float64Array} lefts each section's x, from the first column's
 * @property {Int32Array} widths tiles per row in each section
 * @property {Float64Array} spans each section's width in px
 * @property {number} total photos in all sections
 * @property {number} height content height in CSS px
 * @property {number} cols tiles per row of a full-width section
 * @property {number} tile tile size in CSS px
 * @property {number} gap
 * @property {number} rowHeight tile + gap
 * @property {number} headerHeight
 * @property {number} left x of the first column
 */

/**
 * Lay out buckets in a grid of the given geometry. A bucket with more photos than a
 * row holds gets full-width rows; smaller ones are packed side by side on shared lines
 * of one row each, as long as they fit (many days have a handful of photos).
 * @param {Bucket[]} buckets
 * @param {Geometry} geometry
 * @returns {Layout}
 */
export function buildLayout(buckets, geometry) {
  const { width, tileTarget, gap, headerHeight, sectionGap, padding, blockMin, blockGap } = geometry;
  const inner = Math.max(1, width - 2 * padding);
  const cols = Math.max(1, Math.round((inner + gap) / (tileTarget + gap)));
  const tile = Math.max(1, Math.floor((inner - (cols - 1) * gap) / cols));
  const used = cols * tile + (cols - 1) * gap;
  const rowHeight = tile + gap;
  const n = buckets.length;
  const keys = new Array(n);
  const counts = new Int32Array(n);
  const starts = new Float64Array(n + 1);
  const tops = new Float64Array(n + 1);
  const bottoms = new Float64Array(n);
  const lefts = new Float64Array(n);
  const widths = new Int32Array(n);
  const spans = new Float64Array(n);
  let index = 0;
  let y = 0;
  let x = 0;
  let lineStart = 0;
  let lineRows = 0;
  // Close the line of sections [lineStart, end): they all end where the next begins.
  const closeLine = (end) => {
    if (end === lineStart) return;
    y += headerHeight + lineRows * rowHeight + sectionGap;
    for (let s = lineStart; s < end; s += 1) bottoms[s] = y;
    lineStart = end;
    lineRows = 0;
    x = 0;
  };
  for (let s = 0; s < n; s += 1) {
    const c = buckets[s].count;
    keys[s] = buckets[s].key;
    counts[s] = c;
    starts[s] = index;
    index += c;
    if (c > cols) {
      closeLine(s);
      widths[s] = cols;
      spans[s] = used;
      lefts[s] = 0;
      tops[s] = y;
      lineRows = Math.ceil(c / cols);
      closeLine(s + 1);
      continue;
    }
    const w = Math.max(1, c);
    const span = Math.min(used, Math.max(blockMin, w * tile + (w - 1) * gap));
    if (s > lineStart && x + blockGap + span > used) closeLine(s);
    if (s > lineStart) x += blockGap;
    widths[s] = w;
    spans[s] = span;
    lefts[s] = x;
    tops[s] = y;
    lineRows = Math.max(lineRows, c > 0 ? 1 : 0);
    x += span;
  }
  closeLine(n);
  starts[n] = index;
  tops[n] = y;
  return {
    keys,
    counts,
    starts,
    tops,
    bottoms,
    lefts,
    widths,
    spans,
    total: index,
    height: y,
    cols,
    tile,
    gap,
    rowHeight,
    headerHeight,
    left: padding + Math.floor((inner - used) / 2),
  };
}

/**
 * The last index i with sorted[i] <= value, within [0, length).
 * @param {ArrayLike<number>} sorted
 * @param {number} value
 * @param {number} length
 */
function floorSearch(sorted, value, length) {
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid] <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** @param {Layout} layout @param {number} s @returns {number} first section of s's line */
function lineStartOf(layout, s) {
  while (s > 0 && layout.tops[s - 1] === layout.tops[s]) s -= 1;
  return s;
}

/** @param {Layout} layout @param {number} s @returns {number} first section after s's line */
function nextLine(layout, s) {
  const n = layout.keys.length;
  while (s < n && layout.tops[s + 1] === layout.tops[s]) s += 1;
  return s + 1;
}

/** @param {Layout} layout @param {number} s @returns {number} rows of a section */
function rowsOf(layout, s) {
  return Math.ceil(layout.counts[s] / layout.widths[s]);
}

/**
 * The first section of the line at a content position (clamped to the sections there are).
 * @param {Layout} layout
 * @param {number} y
 * @returns {number} section index, -1 when there are none
 */
export function sectionAt(layout, y) {
  const n = layout.keys.length;
  return n === 0 ? -1 : lineStartOf(layout, floorSearch(layout.tops, y, n));
}

/**
 * The section holding a photo index.
 * @param {Layout} layout
 * @param {number} index
 * @returns {number} section index, -1 when out of range
 */
export function sectionOf(layout, index) {
  if (index < 0 || index >= layout.total) return -1;
  // Empty sections share their start with the next: skip to the one holding it.
  let s = floorSearch(layout.starts, index, layout.keys.length);
  while (layout.counts[s] === 0) s -= 1;
  return s;
}

/**
 * Where a photo's tile is, in content coordinates.
 * @param {Layout} layout
 * @param {number} index
 * @returns {{x: number, y: number, section: number, row: number, col: number}|null}
 */
export function tilePosition(layout, index) {
  const s = sectionOf(layout, index);
  if (s < 0) return null;
  const local = index - layout.starts[s];
  const w = layout.widths[s];
  const row = Math.floor(local / w);
  const col = local % w;
  return {
    x: layout.left + layout.lefts[s] + col * (layout.tile + layout.gap),
    y: layout.tops[s] + layout.headerHeight + row * layout.rowHeight,
    section: s,
    row,
    col,
  };
}

/**
 * Visit what a content band [y0, y1) shows: section headers and tiles.
 * @param {Layout} layout
 * @param {number} y0
 * @param {number} y1
 * @param {(section: number, x: number, y: number) => void} onHeader
 * @param {(index: number, x: number, y: number) => void} onTile
 */
export function forEachVisible(layout, y0, y1, onHeader, onTile) {
  const n = layout.keys.length;
  if (n === 0) return;
  const { rowHeight, headerHeight, tile, gap, left } = layout;
  for (let s = sectionAt(layout, Math.max(0, y0)); s < n && layout.tops[s] < y1; s += 1) {
    const top = layout.tops[s];
    const x0 = left + layout.lefts[s];
    if (top + headerHeight > y0) onHeader(s, x0, top);
    const count = layout.counts[s];
    const w = layout.widths[s];
    const body = top + headerHeight;
    const firstRow = Math.max(0, Math.floor((y0 - body) / rowHeight));
    const lastRow = Math.min(Math.ceil(count / w) - 1, Math.floor((y1 - body) / rowHeight));
    for (let row = firstRow; row <= lastRow; row += 1) {
      const y = body + row * rowHeight;
      const first = row * w;
      const last = Math.min(count, first + w);
      for (let i = first; i < last; i += 1) {
        onTile(layout.starts[s] + i, x0 + (i - first) * (tile + gap), y);
      }
    }
  }
}

/**
 * The first photo whose row reaches below a content position: the photo shown first
 * from there down.
 * @param {Layout} layout
 * @param {number} y
 * @returns {number} an index, clamped to the list
 */
export function indexAt(layout, y) {
  if (layout.total === 0) return -1;
  const first = sectionAt(layout, y);
  const row = Math.max(0, Math.floor((y - layout.tops[first] - layout.headerHeight - layout.tile) / layout.rowHeight) + 1);
  const end = nextLine(layout, first);
  for (let s = first; s < end; s += 1) {
    if (row < rowsOf(layout, s)) return layout.starts[s] + row * layout.widths[s];
  }
  return Math.min(layout.starts[Math.min(end, layout.keys.length)], layout.total - 1);
}

/**
 * The photo above (dir -1) or below (dir +1) on screen: in the same section the same
 * column (or the row's last photo), across lines the photo nearest in x.
 * @param {Layout} layout
 * @param {number} index
 * @param {-1|1} dir
 * @returns {number} the new index (the same at the first or last line)
 */
export function verticalNeighbour(layout, index, dir) {
  const p = tilePosition(layout, index);
  if (!p) return index;
  const { starts, counts, widths } = layout;
  const s = p.section;
  const row = p.row + dir;
  if (row >= 0 && row < rowsOf(layout, s)) {
    const rowStart = starts[s] + row * widths[s];
    return Math.min(rowStart + p.col, starts[s] + counts[s] - 1);
  }
  // Another line: its first row going down, its last going up.
  let line = dir > 0 ? nextLine(layout, s) : s;
  if (dir < 0) {
    const start = lineStartOf(layout, s);
    if (start === 0) return index;
    line = lineStartOf(layout, start - 1);
  }
  if (line >= layout.keys.length) return index;
  const centre = p.x + layout.tile / 2;
  const pitch = layout.tile + layout.gap;
  let best = index;
  let distance = Infinity;
  for (let t = line, end = nextLine(layout, line); t < end; t += 1) {
    if (counts[t] === 0) continue;
    const r = dir > 0 ? 0 : rowsOf(layout, t) - 1;
    const rowStart = r * widths[t];
    const rowLength = Math.min(widths[t], counts[t] - rowStart);
    const x0 = layout.left + layout.lefts[t];
    const col = Math.min(rowLength - 1, Math.max(0, Math.round((centre - x0 - layout.tile / 2) / pitch)));
    const d = Math.abs(x0 + col * pitch + layout.tile / 2 - centre);
    if (d < distance) {
      distance = d;
      best = starts[t] + rowStart + col;
    }
  }
  return best;
}

/**
 * The largest scroll height a browser lays out reliably, for this pixel ratio.
 * @param {number} devicePixelRatio
 */
export function maxScrollHeight(devicePixelRatio) {
  return Math.floor(14_000_000 / Math.max(1, devicePixelRatio));
}

/**
 * @typedef {object} ScrollMapping
 * @property {number} spacer the scroll height to lay out
 * @property {number} scale content px per scroll px (1: not scaled)
 * @property {(scrollTop: number) => number} toContent content y at the viewport's top
 * @property {(contentY: number) => number} toScroll scrollTop that shows contentY at the top
 */

/**
 * Map scroll positions to content positions. Content taller than the browser can
 * scroll is scaled: the scroll range [0, spacer - viewport] covers the content range
 * [0, height - viewport] linearly, and the tiles are placed relative to the viewport.
 * @param {number} height content height
 * @param {number} viewport viewport height
 * @param {number} max the tallest spacer to lay out
 * @returns {ScrollMapping}
 */
export function scrollMapping(height, viewport, max) {
  if (height <= max) {
    return { spacer: height, scale: 1, toContent: (s) => s, toScroll: (c) => c };
  }
  const scrollRange = Math.max(1, max - viewport);
  const contentRange = Math.max(1, height - viewport);
  const scale = contentRange / scrollRange;
  return {
    spacer: max,
    scale,
    toContent: (s) => Math.min(contentRange, Math.max(0, s)) * scale,
    toScroll: (c) => Math.min(contentRange, Math.max(0, c)) / scale,
  };
}

/**
 * The bucket key a list item belongs to, as the server groups them.
 * @param {{taken_at: string|null, registered_at: string, rating: number|null}} item
 * @param {string} sort a PhotoSort
 * @param {'day'|'month'} granularity
 * @returns {string}
 */
export function bucketKeyOf(item, sort, granularity) {
  const length = granularity === 'month' ? 7 : 10;
  if (sort.startsWith('rating')) return item.rating ? String(item.rating) : 'unrated';
  if (sort.startsWith('registered')) return utcDate(item.registered_at).slice(0, length);
  return item.taken_at ? item.taken_at.slice(0, length) : 'undated';
}

/** @param {string} value RFC 3339 with an offset @returns {string} "YYYY-MM-DD…" in UTC */
function utcDate(value) {
  if (/(Z|[+-]00:00)$/.test(value)) return value;
  // Date.parse is only required to read three fractional digits.
  const date = new Date(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/**
 * @typedef {object} Group
 * @property {string} key a month "YYYY-MM", "undated", or a bucket key (ratings)
 * @property {number} first first section of the group
 * @property {number} last last section of the group
 * @property {number} y0 content top
 * @property {number} y1 content bottom
 */

/**
 * The scrubber's groups: months for date buckets (days or months), else one per bucket.
 * @param {Layout} layout
 * @returns {Group[]}
 */
export function scrubberGroups(layout) {
  /** @type {Group[]} */
  const groups = [];
  const n = layout.keys.length;
  for (let s = 0; s < n; s += 1) {
    const key = layout.keys[s];
    const month = /^-?\d+-\d\d(-\d\d)?$/.test(key) ? key.replace(/^(-?\d+-\d\d).*$/, '$1') : key;
    const previous = groups[groups.length - 1];
    if (previous && previous.key === month) {
      previous.last = s;
      previous.y1 = layout.bottoms[s];
    } else {
      // A line shared by two months counts as the later one's: ranges never overlap.
      if (previous && previous.y1 > layout.tops[s]) previous.y1 = layout.tops[s];
      groups.push({ key: month, first: s, last: s, y0: layout.tops[s], y1: layout.bottoms[s] });
    }
  }
  return groups;
}

/**
 * Place groups on a track: each gets a minimum size, the rest is shared in proportion
 * to its content height, so the track maps monotonically onto the content.
 * @param {Group[]} groups
 * @param {number} height the track's height
 * @param {number} contentHeight
 * @param {number} [minSize]
 * @returns {Float64Array} tops of each group on the track, plus one extra: the end
 */
export function trackLayout(groups, height, contentHeight, minSize = 3) {
  const n = groups.length;
  const tops = new Float64Array(n + 1);
  if (n === 0) return tops;
  const min = Math.min(minSize, height / n);
  const spare = Math.max(0, height - n * min);
  let t = 0;
  for (let i = 0; i < n; i += 1) {
    tops[i] = t;
    const share = contentHeight > 0 ? (groups[i].y1 - groups[i].y0) / contentHeight : 1 / n;
    t += min + spare * share;
  }
  tops[n] = t;
  return tops;
}

/**
 * Content position for a point on the track.
 * @param {Group[]} groups
 * @param {Float64Array} tops from trackLayout
 * @param {number} t position on the track
 * @returns {{y: number, group: number}}
 */
export function trackToContent(groups, tops, t) {
  const n = groups.length;
  if (n === 0) return { y: 0, group: -1 };
  const g = floorSearch(tops, Math.max(0, t), n);
  const size = tops[g + 1] - tops[g];
  const fraction = size > 0 ? Math.min(1, Math.max(0, (t - tops[g]) / size)) : 0;
  return { y: groups[g].y0 + fraction * (groups[g].y1 - groups[g].y0), group: g };
}

/**
 * Track position for a content position (the scrubber's thumb).
 * @param {Group[]} groups
 * @param {Float64Array} tops from trackLayout
 * @param {number} y content position
 * @returns {number}
 */
export function contentToTrack(groups, tops, y) {
  const n = groups.length;
  if (n === 0) return 0;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (groups[mid].y0 <= y) lo = mid;
    else hi = mid - 1;
  }
  const group = groups[lo];
  const span = group.y1 - group.y0;
  const fraction = span > 0 ? Math.min(1, Math.max(0, (y - group.y0) / span)) : 0;
  return tops[lo] + fraction * (tops[lo + 1] - tops[lo]);
}
