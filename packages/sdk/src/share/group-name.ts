/**
 * The name a group of tabs shares (its `BroadcastChannel` and its Web Lock): one per server and password,
 * so tabs of different servers or passwords never share a stream, and the password never appears in it.
 *
 * @module
 */

/** Bumped when the messages between tabs change, so tabs of two SDK versions form two groups. */
export const SHARE_PROTOCOL = "tether-sdk-share-v1"

/**
 * `tether-sdk-share-v1 <baseUrl> <first 32 hex digits of SHA-256(password)>`, or `… nopass` without one.
 * Channel and lock names are visible to every script of the origin (`navigator.locks.query()`), hence the hash.
 *
 * @example
 * ```ts
 * await shareGroupName("http://127.0.0.1:4096", "s3cret")
 * // "tether-sdk-share-v1 http://127.0.0.1:4096 2f1c…"
 * ```
 */
export async function shareGroupName(baseUrl: string, password: string | undefined): Promise<string> {
  if (password === undefined) return `${SHARE_PROTOCOL} ${baseUrl} nopass`
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(password))
  const hex = Array.from(new Uint8Array(digest).subarray(0, 16), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("")
  return `${SHARE_PROTOCOL} ${baseUrl} ${hex}`
}
