// The entry point. The library's photo list is asked for first, with only the modules
// that takes; the shell and its views load meanwhile.

import { getToken } from './api.js';
import { browse } from './grid/model.js';
import { parseFilters } from './filters.js';

if (getToken() && location.pathname === '/') {
  browse.setFilters(parseFilters(new URLSearchParams(location.search)));
}
import('./shell.js');
