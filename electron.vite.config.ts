import path from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { createLogger, type Plugin } from 'vite';

const root = import.meta.dirname;
const UI_BASE = '/app/';

const mainEntries = {
  index: 'src-main/index.ts',
  serve: 'src-server/cli.ts',
  'ai-worker': 'src-server/ai/worker.ts',
  'compose-render-worker': 'src-server/compose/render/worker.ts',
};

/**
 * electron-vite forces the renderer's base to './' for file:// loading. Atelier's UI is served over
 * HTTP at /app/ (to the Electron window and to LAN browsers alike) with history routes such as
 * /app/account, where relative asset URLs would break, so the base is put back afterwards.
 */
const serveUnderAppPath = (): Plugin => ({ name: 'atelier:ui-base', enforce: 'post', config: () => ({ base: UI_BASE }) });

/** electron-vite then warns against a base other than './' or '/'; that base is deliberate here. */
function rendererLogger() {
  const logger = createLogger();
  const warn = logger.warn.bind(logger);
  logger.warn = (message, options) => {
    if (!message.includes('Should not set "base"')) warn(message, options);
  };
  return logger;
}

/**
 * electron-vite adds a CommonJS shim (`const require = createRequire(import.meta.url)`, `__dirname`)
 * to every ESM chunk whose text mentions `require(`. The main-process and server code is native
 * ESM and makes its own `require` with createRequire where it needs one, which the shim's
 * declaration then collides with ("Identifier 'require' has already been declared"). Nothing
 * in these bundles relies on the shim, so it is taken out again.
 */
const CJS_SHIM = /\n\/\/ -- CommonJS Shims --\n[\s\S]*?const require = __shims_module__\.createRequire\(import\.meta\.url\);\n/;
const withoutCommonJsShim = (): Plugin => ({
  name: 'atelier:without-cjs-shim',
  enforce: 'post',
  renderChunk: (code) => (CJS_SHIM.test(code) ? { code: code.replace(CJS_SHIM, '\n'), map: null } : null),
});

/**
 * Dependencies built into out/main instead of loaded from node_modules: what the server loads before
 * its first answer. Node resolves, reads and (for CommonJS) scans each file of a package on its own,
 * about 600 files in all, which was most of the start-up (#15). Left out: native addons, packages
 * that find their own files next to them (`__dirname`: Swagger UI's pages), and what the
 * server loads only on first use.
 */
const BUNDLED_DEPENDENCIES = [
  'fastify',
  'fastify-plugin',
  'find-my-way',
  '@fastify/ajv-compiler',
  '@fastify/cookie',
  '@fastify/fast-json-stringify-compiler',
  '@fastify/multipart',
  '@fastify/rate-limit',
  '@fastify/static',
  '@fastify/swagger',
  '@fastify/type-provider-typebox',
  'ajv-formats',
  'drizzle-orm',
  'es-hangul',
  'ipaddr.js',
  'mime',
  'openid-client',
  // Its own files are only read to serve the browser client, which Atelier turns off (the UI bundles it).
  'socket.io',
  'typebox',
  'ws',
];

export default defineConfig({
  main: {
    plugins: [withoutCommonJsShim()],
    build: {
      // serve.js runs on the system Node (>= 20.19), not only inside Electron.
      target: 'node20.19',
      outDir: 'out/main',
      externalizeDeps: { exclude: BUNDLED_DEPENDENCIES },
      rollupOptions: {
        input: Object.fromEntries(Object.entries(mainEntries).map(([name, file]) => [name, path.join(root, file)])),
        output: { format: 'es' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: path.join(root, 'src-main/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: path.join(root, 'src-renderer'),
    plugins: [react(), serveUnderAppPath()],
    customLogger: rendererLogger(),
    build: {
      outDir: path.join(root, 'out/renderer'),
      // LAN peers open the UI in whatever browser they have, not only Electron's Chromium, and
      // download it over the network.
      target: 'es2022',
      minify: true,
      rollupOptions: { input: path.join(root, 'src-renderer/index.html') },
    },
  },
});
