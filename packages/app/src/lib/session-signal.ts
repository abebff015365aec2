/**
 * A signal kept in `sessionStorage`, so view settings (the log's filter) survive moving between pages
 * and reloads of the same tab, without leaking into other tabs.
 *
 * @module
 */
import { type Accessor, createSignal, type Setter } from "solid-js"

/**
 * @example
 * const [filter, setFilter] = createSessionSignal("tether.log.filter", "")
 */
export const createSessionSignal = <T>(key: string, initial: T): [Accessor<T>, (value: T) => void] => {
  const storage = (() => {
    try {
      return globalThis.sessionStorage
    } catch {
      return undefined // storage disabled (privacy settings, sandboxed frame)
    }
  })()
  let start = initial
  try {
    const saved = storage?.getItem(key)
    if (saved != null) start = JSON.parse(saved) as T
  } catch {
    // A corrupt value is dropped: the default is the right view.
  }
  const [value, setValue] = createSignal<T>(start)
  const set = (next: T) => {
    ;(setValue as Setter<T>)(() => next)
    try {
      storage?.setItem(key, JSON.stringify(next))
    } catch {
      // Quota or disabled storage: the setting still applies to this page.
    }
  }
  return [value, set]
}
