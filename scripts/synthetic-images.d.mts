// Types for the plain-ESM image generator, so TypeScript specs can import it.
export interface GeneratedImage {
  label: number;
  pixels: Uint8Array;
  width: number;
  height: number;
}
export interface GeneratedSet {
  labels: string[];
  images: GeneratedImage[];
}
export const TASK_A_LABELS: string[];
export const TWO_CLASS_LABELS: string[];
export function taskA(seed: number, n: number, size?: number): GeneratedSet;
export function twoClassSet(seed: number, nPerClass: number, size?: number): GeneratedSet;
export function encodePNG(pixels: Uint8Array, width: number, height: number): Buffer;
export function encodeBMP(pixels: Uint8Array, width: number, height: number): Buffer;
