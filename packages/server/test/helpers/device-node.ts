/**
 * A character device for a test to aim a config symlink at, without ever risking the system's own.
 */
import { spawnSync } from "node:child_process"
import { join } from "node:path"

/**
 * A device node of our own in `dir`, with the null device's numbers, where one may be made (root);
 * else the system's `/dev/null`, which a user who is not root cannot replace anyway.
 */
export const deviceNode = (dir: string): string => {
  const own = join(dir, "null-device")
  if (spawnSync("mknod", [own, "c", "1", "3"]).status === 0) return own
  if (process.getuid?.() === 0) throw new Error("root without mknod: no device node that is safe to aim at")
  return "/dev/null"
}
