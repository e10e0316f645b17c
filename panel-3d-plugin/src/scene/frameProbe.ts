/**
 * Reads the frame just rendered back from WebGL (browser tests: "not blank, colours vary, dark navy"). Must run in
 * the same task as the render: without preserveDrawingBuffer the buffer is cleared once the frame is composited.
 */
import type { WebGLRenderer } from 'three';
import { SCENE_COLORS } from './assets';

/** What a frame shows. */
export interface FrameProbe {
  /** Share of pixels that differ from the background colour. */
  covered: number;
  /** Distinct saturated hues (30° buckets). */
  hues: number;
  /** Mean colour of the four corners, 0..255. */
  corner: [number, number, number];
}

/**
 * Renders now and reads the frame back (tests): share of pixels that differ from the background, number of
 * distinct saturated hues (30° buckets), and the mean colour of the four corners (0..255).
 */
export function probeFrame(renderer: WebGLRenderer): FrameProbe {
  const gl = renderer.getContext();
  const w = gl.drawingBufferWidth;
  const h = gl.drawingBufferHeight;
  const px = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
  const hex = SCENE_COLORS.background;
  const [br, bgg, bb] = [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255];
  let covered = 0;
  const hues = new Set<number>();
  for (let i = 0; i < w * h * 4; i += 4) {
    const r = px[i];
    const g = px[i + 1];
    const b = px[i + 2];
    if (Math.abs(r - br) + Math.abs(g - bgg) + Math.abs(b - bb) > 40) covered++;
    const hue = saturatedHue(r, g, b);
    if (hue !== null) hues.add(Math.floor(hue / 30));
  }
  const corner = [0, 0, 0] as [number, number, number];
  for (const [x, y] of [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ]) {
    const o = (y * w + x) * 4;
    for (let k = 0; k < 3; k++) corner[k] += px[o + k] / 4;
  }
  return { covered: covered / (w * h), hues: hues.size, corner };
}

/** Hue in degrees of an sRGB byte colour when it is clearly coloured (HSL saturation > 0.45, mid lightness). */
function saturatedHue(r: number, g: number, b: number): number | null {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 510;
  const d = (max - min) / 255;
  if (d === 0 || l <= 0.2 || l >= 0.85) return null;
  const s = d / (1 - Math.abs(2 * l - 1));
  if (s <= 0.45) return null;
  let h: number;
  if (max === r) h = ((g - b) / (max - min)) % 6;
  else if (max === g) h = (b - r) / (max - min) + 2;
  else h = (r - g) / (max - min) + 4;
  return (h * 60 + 360) % 360;
}
