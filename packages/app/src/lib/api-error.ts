/**
 * Turns whatever an SDK call threw into what a form shows: one message and the validation issues,
 * each with its dotted key path so the form can put it at the right field.
 *
 * @module
 */

export interface ApiIssue {
  readonly path: string
  readonly message: string
}

export interface DescribedError {
  readonly name: string
  readonly message: string
  readonly issues: readonly ApiIssue[]
}

const isIssue = (value: unknown): value is ApiIssue =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as ApiIssue).path === "string" &&
  typeof (value as ApiIssue).message === "string"

/**
 * Reads the SDK's `TetherApiError` (`{status, error: {name, message, issues?}}`) without depending on its
 * class identity, and falls back to any `Error`'s message.
 *
 * @example
 * describeApiError(new Error("offline")) // { name: "Error", message: "offline", issues: [] }
 */
export const describeApiError = (error: unknown): DescribedError => {
  if (typeof error === "object" && error !== null) {
    const body = (error as { error?: unknown }).error
    if (typeof body === "object" && body !== null) {
      const { name, message, issues } = body as { name?: unknown; message?: unknown; issues?: unknown }
      return {
        name: typeof name === "string" ? name : "Error",
        message: typeof message === "string" ? message : String(error),
        issues: Array.isArray(issues) ? issues.filter(isIssue) : [],
      }
    }
    if (error instanceof Error) return { name: error.name, message: error.message, issues: [] }
  }
  return { name: "Error", message: String(error), issues: [] }
}

/** The message of the issue at `path`, if the error has one. */
export const issueAt = (error: DescribedError, path: string): string | undefined =>
  error.issues.find((issue) => issue.path === path)?.message
