import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * Builds the web client into dist/client, which the server serves at `/`
 * (server/webClient.ts). `npm run dev:client` serves it with hot reload on :5173 and
 * points it at a server on :2567 (see endpoint.ts).
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset URLs: the page also works behind a path prefix (PUBLIC_ADDRESS with a path).
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("../../dist/client", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: { port: 5173, strictPort: true },
});
