// Text for dates, counts and photo facts. Bucket keys are calendar dates without a
// zone ("2024-07-14", "2024-07"): they are formatted in UTC so that no local offset
// moves them to another day.

const numbers = new Intl.NumberFormat('en');
const dayParts = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const wallFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZone: 'UTC',
});
const momentFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** @param {number} n @returns {string} e.g. "1,234" */
export function count(n) {
  return numbers.format(n);
}

/**
 * @param {number} n
 * @param {string} one singular noun
 * @param {string} [many] plural noun
 * @returns {string} e.g. "1 photo", "12 photos"
 */
export function plural(n, one, many = `${one}s`) {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** @param {string} key "YYYY-MM-DD" @returns {Date} that day at 00:00 UTC */
function utcDay(key) {
  const [y, m, d] = key.split('-').map(Number);
  const date = new Date(Date.UTC(2000, (m || 1) - 1, d || 1));
  date.setUTCFullYear(y); // years below 100 stay themselves
  return date;
}

/** @type {Map<string, string>} formatted days: the grid asks for the same ones each frame */
const days = new Map();

/** @param {string} key "2024-07-14" @returns {string} "Sunday 14 July 2024" */
export function dayLabel(key) {
  let label = days.get(key);
  if (label === undefined) {
    const parts = dayParts.formatToParts(utcDay(key));
    const part = (type) => parts.find((p) => p.type === type)?.value ?? '';
    label = `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
    if (days.size > 20_000) days.clear();
    days.set(key, label);
  }
  return label;
}

/** @param {string} key "2024-07" @returns {string} "July 2024" */
export function monthLabel(key) {
  return monthFormat.format(utcDay(`${key}-01`));
}

/**
 * A bucket's header text without its count.
 * @param {string} key a day, a month, "undated", "1".."5" or "unrated"
 */
export function bucketLabel(key) {
  if (key === 'undated') return 'Undated';
  if (key === 'unrated') return 'Unrated';
  if (/^[1-5]$/.test(key)) return `${'★'.repeat(Number(key))} ${plural(Number(key), 'star')}`;
  if (/^-?\d+-\d\d-\d\d$/.test(key)) return dayLabel(key);
  if (/^-?\d+-\d\d$/.test(key)) return monthLabel(key);
  return key;
}

/**
 * A wall-clock time ("2024-07-14T15:03:00") as text, only as precise as it is known.
 * @param {string|null} value
 * @param {string} [accuracy] second/hour/day/month/year
 */
export function wallTime(value, accuracy = 'second') {
  if (!value) return 'Unknown';
  if (accuracy === 'day') return dayLabel(value.slice(0, 10));
  const date = new Date(`${value.slice(0, 19)}Z`);
  if (Number.isNaN(date.getTime())) return value;
  if (accuracy === 'year') return String(date.getUTCFullYear());
  if (accuracy === 'month') return monthFormat.format(date);
  const text = wallFormat.format(date);
  return accuracy === 'hour' ? text.replace(/:\d\d:\d\d$/, ':00') : text;
}

/** @param {string|null} value an RFC 3339 moment @returns {string} local date and time */
export function moment(value) {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : momentFormat.format(date);
}

/** @param {number|null} rating @returns {string} "3 stars" or "no rating", for screen readers */
export function ratingText(rating) {
  return rating ? plural(rating, 'star') : 'no rating';
}

/** @param {number|null} rating @returns {string} "★★★☆☆" or "Unrated" */
export function stars(rating) {
  return rating ? '★'.repeat(rating) + '☆'.repeat(5 - rating) : 'Unrated';
}

/**
 * A decimal degree with hemisphere.
 * @param {number} value
 * @param {'lat'|'lng'} axis
 */
export function coordinate(value, axis) {
  const hemisphere = axis === 'lat' ? (value >= 0 ? 'N' : 'S') : value >= 0 ? 'E' : 'W';
  return `${Math.abs(value).toFixed(5)}° ${hemisphere}`;
}
