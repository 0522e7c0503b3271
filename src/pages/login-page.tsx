import { Layout } from './layout'

export interface LoginPageProps {
  /** Where to go once signed in: a path on this host. */
  next: string
  /** Why the last attempt failed. */
  message?: string
}

export function LoginPage({ next, message }: LoginPageProps) {
  return (
    <Layout title="Sign in" section="none" signedIn={false}>
      <form class="login" method="post" action="/login">
        <h1>Sign in</h1>
        <p class="meta">
          Paste the read token (READ_TOKEN, or ADMIN_TOKEN). It is checked once; the browser keeps a session cookie,
          never the token.
        </p>
        {message ? (
          <p class="error" role="alert" id="login-error">
            {message}
          </p>
        ) : null}
        <label for="token">Read token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          aria-describedby={message ? 'login-error' : undefined}
        />
        <input type="hidden" name="next" value={next} />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </Layout>
  )
}

export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={`Error ${status}`} section="none" signedIn={false}>
      <h1>{status === 503 ? 'Unavailable for a moment' : `Error ${status}`}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Back to the fleet</a>
      </p>
    </Layout>
  )
}

/** Loads `href` again from this site, so the browser sends the session cookie with it. */
export function ReloadPage({ href }: { href: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content={`0; url=${href}`} />
        <title>Opening · runtimestate</title>
      </head>
      <body>
        <p>
          <a href={href}>Continue to runtimestate</a>
        </p>
      </body>
    </html>
  )
}
