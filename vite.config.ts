import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the TF.js WASM backend use threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
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
