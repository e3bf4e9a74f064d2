import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

// Cross-origin isolation lets the TF.js WASM backend use threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * What the built app may load: its own files, WASM compiled from them ('wasm-unsafe-eval', for
 * the TF.js WASM backend), and the model zoo's host for downloads the user asks for. No inline
 * or eval'd script. The threaded WASM backend starts each pthread as a blob: worker that
 * importScripts() its Emscripten factory from another blob:, hence blob: in worker-src and
 * script-src (only script already running on this origin can mint a blob: URL). React, React
 * Flow and uPlot only set element.style, which style-src does not govern.
 */
export const contentSecurityPolicy: Record<string, string> = {
  'default-src': "'self'",
  'script-src': "'self' 'wasm-unsafe-eval' blob:",
  'worker-src': "'self' blob:",
  'connect-src': "'self' https://storage.googleapis.com",
  'img-src': "'self' blob: data:",
  'style-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'none'",
  // Only honoured as a header: a <meta> policy ignores it.
  'frame-ancestors': "'none'",
};

const cspText = (skip: string[] = []) =>
  Object.entries(contentSecurityPolicy)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');

/**
 * Puts the policy in the built index.html as a <meta>, so any static host enforces it. Build
 * only: the dev server's React refresh preamble is an inline script.
 */
function cspMeta(): Plugin {
  return {
    name: 'retrain-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: cspText(['frame-ancestors']) },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  plugins: [react(), cspMeta()],
  server: { headers: isolation },
  preview: { headers: { ...isolation, 'Content-Security-Policy': cspText() } },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // TF.js's threaded WASM backend starts its pthread workers from the source text of its
    // Emscripten factory; minification makes that text refer to names outside it ("e is not
    // defined" in every worker), so the production build stays unminified (gzip still applies).
    minify: false,
    // bench.html drives the training worker for `npm run bench`; it ships alongside the app.
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.mjs'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
