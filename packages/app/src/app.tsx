/**
 * The app shell: the provider with the one server connection, the router, and a header whose badge
 * shows the stream's state on every page.
 */
import { A, Route, Router, type RouteSectionProps } from "@solidjs/router"
import type { JSX } from "solid-js"
import { savedPassword } from "./components/PasswordPrompt.tsx"
import { ServerSdkProvider, type ServerSdkProviderProps, useServerSdk } from "./context/server-sdk.tsx"
import { Home } from "./routes/Home.tsx"
import { Settings } from "./routes/Settings.tsx"

const StateBadge = (): JSX.Element => {
  const sdk = useServerSdk()
  return (
    <span class={`badge badge-${sdk.status().state}`} data-badge-state={sdk.status().state}>
      <span class={`state-dot state-${sdk.status().state}`} aria-hidden="true" />
      <span class="visually-hidden">Stream </span>
      {sdk.status().state}
    </span>
  )
}

const Layout = (props: RouteSectionProps): JSX.Element => (
  <>
    <a class="skip-link" href="#main">
      Skip to content
    </a>
    <header class="app-header">
      <h1 class="brand">Tether</h1>
      <nav aria-label="Main">
        <A href="/" end activeClass="active">
          Connection
        </A>
        <A href="/settings" activeClass="active">
          Settings
        </A>
      </nav>
      <StateBadge />
    </header>
    <main id="main" tabindex="-1">
      {props.children}
    </main>
  </>
)

/** The whole app. Provider options pass through (tests inject a client). */
export const App = (
  props: Omit<ServerSdkProviderProps, "children"> & { readonly url?: string },
): JSX.Element => (
  <ServerSdkProvider password={savedPassword()} {...props}>
    <Router root={Layout} {...(props.url !== undefined ? { url: props.url } : {})}>
      <Route path="/" component={Home} />
      <Route path="/settings" component={Settings} />
      <Route path="*" component={NotFound} />
    </Router>
  </ServerSdkProvider>
)

const NotFound = (): JSX.Element => (
  <section class="panel">
    <h2>Not found</h2>
    <p>
      There is no page here. <A href="/">Back to the connection</A>.
    </p>
  </section>
)
