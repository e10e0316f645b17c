/**
 * Procedural textures and geometries of the scene: the floor grid, the grey hatch of stale / offline bars, the
 * contact-shadow blob under containers and the container frame (12 edges as thin boxes merged into one geometry,
 * so all container outlines are one instanced draw call). Canvas textures keep the bundle free of image files.
 */
import {
  BoxGeometry,
  BufferGeometry,
  CanvasTexture,
  Float32BufferAttribute,
  RepeatWrapping,
  SRGBColorSpace,
} from 'three';

/** Scene colours: a dark navy scene in both Grafana themes (BESS Monitor user guide, "Theme"). */
export const SCENE_COLORS = {
  background: 0x0a1428,
  floor: '#0f1d38',
  floorLine: '#1d3461',
  containerWall: 0x2a4a80,
  containerEdge: 0x7fa6e6,
  transformer: 0x4b5d7e,
  bushing: 0xc9d4e6,
} as const;

function canvas(size: number): { c: HTMLCanvasElement; g: CanvasRenderingContext2D } {
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const g = c.getContext('2d');
  if (!g) throw new Error('2D canvas context unavailable: cannot draw scene textures');
  return { c, g };
}

/** Floor tile: navy with a 1 m grid line (the texture repeats once per metre × `metresPerTile`). */
export function floorTexture(): CanvasTexture {
  const { c, g } = canvas(128);
  g.fillStyle = SCENE_COLORS.floor;
  g.fillRect(0, 0, 128, 128);
  g.strokeStyle = SCENE_COLORS.floorLine;
  g.lineWidth = 2;
  g.strokeRect(0, 0, 128, 128);
  g.globalAlpha = 0.45;
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(64, 0);
  g.lineTo(64, 128);
  g.moveTo(0, 64);
  g.lineTo(128, 64);
  g.stroke();
  const t = new CanvasTexture(c);
  t.wrapS = t.wrapT = RepeatWrapping;
  t.colorSpace = SRGBColorSpace;
  t.anisotropy = 4;
  return t;
}

/** Diagonal hatch (light stripes on grey) for stale / offline bars; tinted per instance. */
export function hatchTexture(): CanvasTexture {
  const { c, g } = canvas(64);
  g.fillStyle = '#6b7280';
  g.fillRect(0, 0, 64, 64);
  g.strokeStyle = '#e5e7eb';
  g.lineWidth = 9;
  g.beginPath();
  for (let k = -64; k <= 128; k += 21) {
    g.moveTo(k, 0);
    g.lineTo(k + 64, 64);
  }
  g.stroke();
  const t = new CanvasTexture(c);
  t.wrapS = t.wrapT = RepeatWrapping;
  t.repeat.set(2, 4);
  t.colorSpace = SRGBColorSpace;
  return t;
}

/** Radial soft shadow (black centre → transparent) laid under containers: cheap contact ambient occlusion. */
export function blobTexture(): CanvasTexture {
  const { c, g } = canvas(64);
  const grad = g.createRadialGradient(32, 32, 4, 32, 32, 32);
  grad.addColorStop(0, 'rgba(0,0,0,0.75)');
  grad.addColorStop(0.6, 'rgba(0,0,0,0.35)');
  grad.addColorStop(1, 'rgba(0,0,0,0)');
  g.fillStyle = grad;
  g.fillRect(0, 0, 64, 64);
  return new CanvasTexture(c);
}

/**
 * Unit-cube frame (the 12 edges of a 1 × 1 × 1 box standing on y = 0) as thin boxes; scaled per instance to a
 * container. `t` is the edge thickness relative to the unit box.
 */
export function frameGeometry(t = 0.012): BufferGeometry {
  const parts: BufferGeometry[] = [];
  const edge = (sx: number, sy: number, sz: number, x: number, y: number, z: number) => {
    const b = new BoxGeometry(sx, sy, sz);
    b.translate(x, y, z);
    parts.push(b);
  };
  for (const y of [0, 1]) {
    for (const z of [-0.5, 0.5]) edge(1 + t, t * 3, t * 3, 0, y, z);
    for (const x of [-0.5, 0.5]) edge(t, t * 3, 1 + t, x, y, 0);
  }
  for (const x of [-0.5, 0.5]) for (const z of [-0.5, 0.5]) edge(t, 1, t * 3, x, 0.5, z);
  const merged = mergeNonIndexed(parts);
  for (const p of parts) p.dispose();
  return merged;
}

/** Merges geometries (position + normal) into one non-indexed geometry. */
function mergeNonIndexed(parts: BufferGeometry[]): BufferGeometry {
  const pos: number[] = [];
  const nor: number[] = [];
  for (const p of parts) {
    const g = p.index ? p.toNonIndexed() : p;
    pos.push(...(g.getAttribute('position').array as Float32Array));
    nor.push(...(g.getAttribute('normal').array as Float32Array));
    if (g !== p) g.dispose();
  }
  const out = new BufferGeometry();
  out.setAttribute('position', new Float32BufferAttribute(pos, 3));
  out.setAttribute('normal', new Float32BufferAttribute(nor, 3));
  return out;
}
