import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// `npx nx serve console`: Vite's dev server in front of a running API (CONSOLE_API_URL, default the
// API's own port), so the browser sees one origin and no CORS setting is needed.
const api = process.env.CONSOLE_API_URL ?? 'http://localhost:4000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/healthz': { target: api, changeOrigin: true },
    },
  },
});
