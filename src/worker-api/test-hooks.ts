/**
 * Whether this build carries the test hooks: crashing the worker on demand and reading a clip's raw features. They
 * exist on the dev server (and so in the browser tests) and in the end-to-end build (`vite build --mode e2e`, which
 * reads `.env.e2e`); a plain `npm run build` leaves their code out, since the flag is a constant there.
 */
export const TEST_HOOKS: boolean = import.meta.env.DEV || import.meta.env.VITE_MMER_TEST_HOOKS === '1';
