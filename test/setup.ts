import fc from 'fast-check';

/**
 * Property tests run with a fixed seed so every run (and CI) checks the same cases; set
 * FC_SEED=<n> to explore others locally (a failure prints its seed and path to replay).
 */
fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 20261125) });

export const mochaHooks = {};
