/**
 * The environment variables the CLI reads, for every `--help` that starts a server.
 *
 * @module
 */
import { MAX_PASSWORD_LENGTH, PASSWORD_ENV } from "../http/access.ts"

/** The "Environment:" section of `tether --help` and `tether serve --help`. */
export const ENVIRONMENT_HELP = `Environment:
  ${PASSWORD_ENV}  require this password on every request: "Authorization: Bearer <password>",
                          HTTP Basic (any user name), or "?token=<password>" (percent-encoded) on the
                          event stream; needed to bind a non-loopback --hostname. Printable ASCII
                          (space to "~"), 1 to ${MAX_PASSWORD_LENGTH} characters, no space at either end;
                          anything else is refused at start.
  TETHER_CONFIG           the config file when --config is not given
  TETHER_REDIS_URL        the Redis of --event-log redis when --redis-url is not given (over server.event_log.redis_url)
  XDG_CONFIG_HOME         the last place a config is looked up: $XDG_CONFIG_HOME/tether/ (default ~/.config/tether/)
  XDG_DATA_HOME           the default --data-dir: $XDG_DATA_HOME/tether (default ~/.local/share/tether)`
