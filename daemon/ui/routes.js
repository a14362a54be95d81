// The app's routes. A new page is one entry here and one module under views/: the
// router loads it on first visit, and an entry with `nav` gets a link in the top bar.

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
