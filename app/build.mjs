// Builds the app into backend/web/static/app/ (committed: `make run` needs no Node).
// Deterministic: the same sources give the same bytes, so CI can compare.
import { build } from 'esbuild'
import { cpSync, mkdirSync, rmSync } from 'node:fs'

const out = new URL('../backend/web/static/app/', import.meta.url).pathname
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
cpSync(new URL('./static/', import.meta.url).pathname, out, { recursive: true })
const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['es2020'],
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  logLevel: 'warning',
}
await build({ ...common, entryPoints: ['src/main.js'], outfile: `${out}app.js`, format: 'iife' })
await build({ ...common, entryPoints: ['src/sw.js'], outfile: `${out}sw.js`, format: 'iife' })
