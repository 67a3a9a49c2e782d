// Builds the console into dist/ for the server to serve at /ui/ (packages/server/src/features/console).
// No inline scripts or styles (the server's CSP forbids them), no source maps in the shipped build.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
