/** `/`: the connection panel, the live event log and the publish form. */
import type { JSX } from "solid-js"
import { ConnectionPanel } from "../components/ConnectionPanel.tsx"
import { EventLog } from "../components/EventLog.tsx"
import { PublishForm } from "../components/PublishForm.tsx"

export const Home = (): JSX.Element => (
  <div class="home">
    <div class="home-side">
      <ConnectionPanel />
      <PublishForm />
    </div>
    <EventLog />
  </div>
)
