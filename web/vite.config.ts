import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The React app: `web/` in, `dist/web/` out, served by the API at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // Absolute asset URLs: the same index.html is served at /jobs/… and /api/v1/workers/dashboard.
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    // The per-plugin timing report is noise in every `npm run build`.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // `npx vite --config web/vite.config.ts` beside a running PhishNet on :8000.
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/admin': 'http://127.0.0.1:8000',
      '/ws': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
});
