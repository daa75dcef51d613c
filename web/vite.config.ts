import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// The API server `npm start` runs (PORT, default 8080); Vite's own dev server listens on 5173.
const server = `http://127.0.0.1:${process.env.PORT ?? 8080}`;

export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: { '/api': server, '/fhir': server, '/auth': server, '/healthz': server },
  },
});
