// The app's routes. A new page is one entry here and one module under views/: the
// router loads it on first visit, and an entry with `nav` gets a link in the top bar.
// A `local` page changes this machine (registering, watching, settings): a central
// server neither links nor shows it.

/** @type {import('./router.js').Route[]} */
export const routes = [
  {
    name: 'library',
    path: '/',
    nav: 'Library',
    title: 'Library',
    load: () => import('./views/library.js'),
  },
  {
    name: 'photo',
    path: '/photo/:hothash',
    title: 'Photo',
    load: () => import('./views/loupe.js'),
  },
  {
    name: 'events',
    path: '/events',
    nav: 'Events',
    title: 'Events',
    load: () => import('./views/events.js'),
  },
  {
    name: 'collections',
    path: '/collections',
    nav: 'Collections',
    title: 'Collections',
    load: () => import('./views/collections.js'),
  },
  {
    name: 'collection',
    path: '/collections/:id',
    title: 'Collection',
    load: () => import('./views/collection.js'),
  },
  {
    name: 'duplicates',
    path: '/duplicates',
    nav: 'Duplicates',
    title: 'Duplicates',
    load: () => import('./views/duplicates.js'),
  },
  {
    name: 'register',
    path: '/register',
    nav: 'Register',
    title: 'Register',
    local: true,
    load: () => import('./views/register.js'),
  },
  {
    name: 'watched',
    path: '/watched',
    nav: 'Watched folders',
    title: 'Watched folders',
    local: true,
    load: () => import('./views/watched.js'),
  },
  {
    name: 'sync',
    path: '/sync',
    nav: 'Sync',
    title: 'Sync',
    load: () => import('./views/sync.js'),
  },
  {
    name: 'settings',
    path: '/settings',
    nav: 'Settings',
    title: 'Settings',
    local: true,
    load: () => import('./views/settings.js'),
  },
  {
    name: 'login',
    path: '/login',
    public: true,
    title: 'Sign in',
    load: () => import('./views/login.js'),
  },
];

/** Every path no route matches. */
export const notFound = {
  name: 'not-found',
  path: '',
  public: true,
  title: 'Not found',
  load: () => import('./views/notfound.js'),
};

/** What a signed-out visitor sees at any route that needs a session. */
export const signIn = /** @type {import('./router.js').Route} */ (routes.find((r) => r.name === 'login'));
