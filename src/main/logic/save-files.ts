import { join, resolve, sep } from 'node:path';
import type { SaveFiles } from '../../shared/ipc';

export type SavePlan = { ok: true; targets: { path: string; data: string | Uint8Array }[] } | { ok: false; error: string };

/**
 * Where each file of a guarded SaveFiles payload goes inside the folder the user picked. Refuses,
 * before anything is written, when a name already exists there (we never overwrite the user's
 * files) or would resolve outside the folder (defence in depth: isSaveFiles already allows bare
 * names only).
 */
export function planSave(folder: string, payload: SaveFiles, exists: (path: string) => boolean): SavePlan {
  const root = resolve(folder);
  const targets = payload.files.map((f) => ({ path: join(root, f.fileName), data: f.data, name: f.fileName }));
  for (const t of targets) {
    if (!resolve(t.path).startsWith(root + sep)) return { ok: false, error: `Refused to write ${t.name} outside ${root}.` };
  }
  const taken = targets.filter((t) => exists(t.path)).map((t) => t.name);
  if (taken.length) {
    return { ok: false, error: `${root} already has ${taken.join(', ')}: nothing was written. Pick an empty folder or move those files.` };
  }
  return { ok: true, targets: targets.map(({ path, data }) => ({ path, data })) };
}
