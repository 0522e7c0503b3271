import { Scalar } from '@scalar/hono-api-reference'

/** The API reference UI's script, served by Workers static assets from `public/` (see scripts/docs-assets.ts). */
export const DOCS_SCRIPT_PATH = '/docs/assets/scalar-standalone.js'

/** `/docs`: the API reference for `/openapi.json`, with nothing fetched from anywhere but this Worker. */
export const docsPage = Scalar({
  url: '/openapi.json',
  pageTitle: 'runtimestate API',
  cdn: DOCS_SCRIPT_PATH,
  withDefaultFonts: false,
  telemetry: false,
  // Features that call Scalar's own services: off, so the page never leaves this Worker.
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
})
