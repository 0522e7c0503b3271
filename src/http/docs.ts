import { Scalar } from '@scalar/hono-api-reference'
import { ApiError } from './errors'

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
  // The "Open API Client" button opens Scalar's hosted client with this deployment's /openapi.json
  // address in its query: one click would hand an internal API's address to a third party.
  hideClientButton: true,
  // Every documented route takes a bearer token: offer the field for it from the start.
  authentication: { preferredSecurityScheme: 'bearer' },
})

/**
 * Reached only when static assets do not have the script (they answer before the Worker when they
 * do): the Worker was started without the copy `npm run dev` and `npm run deploy` make.
 */
export function docsScriptMissing(): never {
  throw new ApiError(
    404,
    'docs_script_missing',
    `${DOCS_SCRIPT_PATH} is not in public/: start with npm run dev, deploy with npm run deploy, or run npx tsx scripts/docs-assets.ts`,
  )
}
