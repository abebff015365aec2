/**
 * The Lua scripts of the Redis log. Each runs atomically inside Redis, so the generation check, the
 * sequence number and the stream entry of one publish can never interleave with another instance's.
 *
 * Keys (one hash tag, so the scripts also run on a Redis Cluster slot):
 * - `{tether}:meta`: hash `gen` (the generation, a random epoch), `seq` (the last sequence number
 *   issued), `ms` (the stream-id time part of this generation), `replid` (the master's replication id
 *   last seen).
 * - `{tether}:events`: the stream; entry id `<ms>-<seq>`, fields `g` generation, `y` type, `t` time,
 *   `p` properties (JSON text).
 *
 * Why `<ms>-<seq>` for stream ids: the readers block on `XREAD` after their cursor. A new generation
 * takes an `ms` above every earlier one (the Redis server's clock, raised past the last `ms` the
 * caller knows), so its entries sort after any cursor of the old generation and a blocked reader sees
 * them at once instead of waiting past its cursor's sequence number.
 *
 * @module
 */
import { createHash } from "node:crypto"

/** The Redis keys of one log. */
export const KEYS = { meta: "{tether}:meta", events: "{tether}:events", probe: "{tether}:probe" } as const

// Reads the generation, or starts a new one when the history it stood for is gone:
// - no `gen`: a new Redis, FLUSHALL, or a restart without persistence;
// - `seq` below what the caller has seen of that generation: Redis rolled back (a restart from an older
//   snapshot, a failover to a replica that missed writes);
// - the master's replication id changed and it has a `master_replid2` (set only when a replica is
//   promoted; a restart or a replica attaching clears it): a failover, and the promoted replica may have
//   missed writes no instance has seen yet.
// ARGV: candidate generation, known generation, known seq, known ms, replid, replid2 ('' when unknown or none).
const ENSURE = `
local function ensure(meta, stream, candidate, known_gen, known_seq, known_ms, replid, replid2)
  local m = redis.call('HMGET', meta, 'gen', 'seq', 'ms', 'replid')
  local gen, seq, ms, stored = m[1], tonumber(m[2]), m[3], m[4]
  local lost = (not gen) or (not seq) or (not ms)
  if not lost and known_gen ~= '' and gen == known_gen and seq < tonumber(known_seq) then lost = true end
  if not lost and replid ~= '' and replid2 ~= '' and stored and stored ~= replid then lost = true end
  if lost then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local floor = tonumber(known_ms) or 0
    if ms and tonumber(ms) and tonumber(ms) > floor then floor = tonumber(ms) end
    if now <= floor then now = floor + 1 end
    ms = string.format('%d', now)
    gen = candidate
    seq = 0
    redis.call('DEL', stream)
    redis.call('HSET', meta, 'gen', gen, 'seq', 0, 'ms', ms)
  end
  -- pcall: on a read-only replica the record waits for its master (reads still work there).
  if replid ~= '' and stored ~= replid then redis.pcall('HSET', meta, 'replid', replid) end
  return gen, seq, ms, lost
end
`

/**
 * Appends one event. KEYS: meta, events. ARGV: candidate generation, known generation, known seq,
 * known ms, approximate max length, type, time, properties. Returns `{generation, seq, ms}`.
 * The entry is added before the counter moves: a failing XADD leaves no hole in the sequence.
 */
export const APPEND = `${ENSURE}
local gen, seq, ms = ensure(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], '', '')
seq = seq + 1
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], ms .. '-' .. string.format('%d', seq),
  'g', gen, 'y', ARGV[6], 't', ARGV[7], 'p', ARGV[8])
redis.call('HINCRBY', KEYS[1], 'seq', 1)
return {gen, seq, ms}
`

/**
 * Where the log stands (and a new generation when history was lost). KEYS: meta, events.
 * ARGV: as `ensure`. Returns `{generation, seq, ms, first retained seq or -1, 1 if a new generation began}`.
 */
export const STATE = `${ENSURE}
local gen, seq, ms, lost = ensure(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
local first = -1
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #head > 0 then first = tonumber(string.match(head[1][1], '%-(%d+)$')) end
return {gen, seq, ms, first, lost and 1 or 0}
`

/**
 * Up to `limit` entries after a sequence number of a generation. KEYS: meta, events.
 * ARGV: generation, after seq, limit. Returns the entries, or nil when the generation is not current.
 */
export const RANGE = `
local m = redis.call('HMGET', KEYS[1], 'gen', 'ms')
if m[1] ~= ARGV[1] or not m[2] then return false end
return redis.call('XRANGE', KEYS[2], '(' .. m[2] .. '-' .. ARGV[2], '+', 'COUNT', ARGV[3])
`

/**
 * What the fan-out reader reads next: the entries after a stream id, up to a count and about a byte
 * budget (at least one entry when there is any). `XREAD … COUNT` bounds entries, not bytes: after a
 * pause, 1 000 events of 256 KiB came as one 250 MB reply, parsed in one go (seconds without timers or
 * I/O) and handed to every stream as one chunk. Read 16 entries at a time, so Redis never copies much
 * more than the budget either. KEYS: events. ARGV: after (stream id), max entries, max bytes.
 */
export const FOLLOW = `
local out, bytes, after = {}, 0, '(' .. ARGV[1]
local limit, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
while #out < limit do
  local page = redis.call('XRANGE', KEYS[1], after, '+', 'COUNT', math.min(16, limit - #out))
  if #page == 0 then break end
  for _, entry in ipairs(page) do
    local size, fields = 0, entry[2]
    for i = 2, #fields, 2 do size = size + #fields[i] end
    if #out > 0 and bytes + size > budget then return out end
    out[#out + 1] = entry
    bytes = bytes + size
  end
  after = '(' .. page[#page][1]
end
return out
`

/** A script and its SHA1, the name `EVALSHA` runs it by. */
export interface LuaScript {
  readonly source: string
  readonly sha: string
}

/**
 * A script with its SHA1, computed here (the same digest `SCRIPT LOAD` answers).
 *
 * @example
 * ```ts
 * import { APPEND, luaScript } from "./redis-scripts.ts"
 * luaScript(APPEND).sha.length // 40
 * ```
 */
export const luaScript = (source: string): LuaScript => ({
  source,
  sha: createHash("sha1").update(source).digest("hex"),
})
