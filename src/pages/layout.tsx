import type { Child } from 'hono/jsx'
import { REFRESH, STYLESHEET } from './assets'

/** The page's place in the navigation; `none` for pages the navigation does not name. */
export type Section = 'fleet' | 'models' | 'events' | 'docs' | 'none'

export interface LayoutProps {
  title: string
  section: Section
  /** Shows "Log out": the reader came in with a session cookie. */
  signedIn: boolean
  /** Loads the script that refreshes the fleet table. */
  refresh?: boolean
  children?: Child
}

const LINKS: { section: Section; href: string; label: string }[] = [
  { section: 'fleet', href: '/', label: 'Fleet' },
  { section: 'models', href: '/status/models', label: 'Models' },
  { section: 'events', href: '/status/events', label: 'Events' },
  { section: 'docs', href: '/docs', label: 'API docs' },
]

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · runtimestate`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={STYLESHEET.path} />
        {props.refresh ? <script src={REFRESH.path} defer /> : null}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            runtimestate
          </a>
          <nav aria-label="Pages">
            {LINKS.map((link) => (
              <a href={link.href} aria-current={link.section === props.section ? 'page' : undefined}>
                {link.label}
              </a>
            ))}
          </nav>
          {props.signedIn ? (
            <form method="post" action="/logout">
              <button type="submit">Log out</button>
            </form>
          ) : null}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  )
}

/** A page as the bytes a route sends. */
export async function renderPage(page: Child): Promise<string> {
  return `<!doctype html>${await (page as { toString(): string | Promise<string> }).toString()}`
}
