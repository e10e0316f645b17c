/**
 * Live scenes of this plugin instance, for the leak test and the bench (exported from module.ts as
 * `site3dInstrumentation`): which scenes exist, their renderer counters, and what each disposed scene still
 * counted when it let go of its renderer (must be 0 geometries and 0 textures: everything disposed).
 */

/** Renderer counters (`renderer.info`). */
export interface SceneStats {
  geometries: number;
  textures: number;
  /** Draw calls of the last rendered frame. */
  calls: number;
  triangles: number;
}

/** What the registry needs from a scene. */
export interface StatsSource {
  stats(): SceneStats;
}

const live = new Set<StatsSource>();
const disposed: SceneStats[] = [];

/** Registers a live scene; returns its unregister function. */
export function registerScene(scene: StatsSource): () => void {
  live.add(scene);
  return () => live.delete(scene);
}

/** Records the counters a scene had left right before releasing its renderer. */
registerScene.disposed = (s: SceneStats): void => {
  disposed.push(s);
};

/** Read-only view for tests and the bench. */
export const site3dInstrumentation = {
  /** Live scenes (e.g. 1 per mounted panel). */
  liveScenes: (): StatsSource[] => [...live],
  /** Counters of each live scene. */
  liveStats: (): SceneStats[] => [...live].map((s) => s.stats()),
  /** Counters each disposed scene had left when it released its renderer, oldest first. */
  disposedStats: (): SceneStats[] => disposed.slice(),
};
