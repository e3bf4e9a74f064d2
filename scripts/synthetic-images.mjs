// Deterministic, seeded generator of small synthetic RGB images, plus tiny
// PNG / BMP encoders. No dependencies beyond Node's built-in zlib.
//
// Images are returned as Uint8Array RGB pixel arrays, row-major,
// width × height × 3 (no alpha).
//
//   taskA(seed, n, size = 32)            4 classes of drawn shapes; used to
//                                         pretrain the built-in "Tiny CNN".
//   twoClassSet(seed, nPerClass, size = 64)
//                                         a different, easy 2-class task for
//                                         end-to-end tests.
//   encodePNG(pixels, width, height)     → Buffer (valid 8-bit RGB PNG)
//   encodeBMP(pixels, width, height)     → Buffer (24-bit BMP)
//
// The same seed and arguments always give byte-identical images.

import { deflateSync } from 'node:zlib';

export const TASK_A_LABELS = ['circle', 'square', 'triangle', 'stripes'];
export const TWO_CLASS_LABELS = ['red_blobs', 'blue_stripes'];

// ---------------------------------------------------------------------------
// Random numbers

/** mulberry32: small, fast, good-enough seeded PRNG returning [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded RNG with a few helpers. */
export function createRng(seed) {
  if (!Number.isFinite(seed)) throw new TypeError('seed must be a number');
  // Mix the seed a little so that nearby seeds give unrelated streams.
  const next = mulberry32(Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b));
  next();
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor((hi - lo + 1) * next()), // inclusive
    pick: (arr) => arr[Math.floor(arr.length * next())],
  };
}

// ---------------------------------------------------------------------------
// Colours and drawing helpers

function hsvToRgb(h, s, v) {
  // h in degrees [0, 360), s, v in [0, 1]
  const c = v * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const sectors = [
    [c, x, 0],
    [x, c, 0],
    [0, c, x],
    [0, x, c],
    [x, 0, c],
    [c, 0, x],
  ];
  const [r, g, b] = sectors[Math.min(5, Math.floor(hp))];
  const m = v - c;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

function luminance([r, g, b]) {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

function randomColor(rng) {
  return hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 1), rng.uniform(0, 1));
}

/**
 * Random foreground/background colours, the foreground clearly brighter.
 * (A fixed polarity lets the tiny CNN learn the shapes within a few epochs;
 * with random polarity it needs several times longer.)
 */
function contrastingColors(rng) {
  for (;;) {
    const bg = randomColor(rng);
    const fg = randomColor(rng);
    if (luminance(fg) - luminance(bg) >= 90) return { bg, fg };
  }
}

const clamp255 = (v) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Float RGB canvas filled with a colour plus uniform per-pixel noise. */
function noisyBackground(rng, size, color, noiseAmp) {
  const buf = new Float32Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) {
      buf[i * 3 + c] = color[c] + rng.uniform(-noiseAmp, noiseAmp);
    }
  }
  return buf;
}

/**
 * Paint colour where inside(x, y) holds, anti-aliased with 3×3 supersampling.
 * (x, y) are continuous pixel coordinates; pixel (i, j) covers [i, i+1).
 */
function paint(buf, size, inside, color, rng, noiseAmp = 0) {
  const sub = [1 / 6, 1 / 2, 5 / 6];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (const dy of sub) for (const dx of sub) if (inside(x + dx, y + dy)) hits++;
      if (hits === 0) continue;
      const a = hits / 9;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = color[c] + (noiseAmp ? rng.uniform(-noiseAmp, noiseAmp) : 0);
        buf[o + c] = buf[o + c] * (1 - a) + v * a;
      }
    }
  }
}

function toUint8(buf) {
  const out = new Uint8Array(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = clamp255(buf[i]);
  return out;
}

// ---------------------------------------------------------------------------
// Task A: circle / square / triangle / stripes

function drawTaskA(rng, label, size) {
  const S = size;
  const { bg, fg } = contrastingColors(rng);
  const noise = rng.uniform(2, 12);
  const buf = noisyBackground(rng, S, bg, noise);
  const shapeNoise = noise * 0.5;

  switch (TASK_A_LABELS[label]) {
    case 'circle': {
      const r = rng.uniform(0.18, 0.34) * S;
      const cx = rng.uniform(r + 1, S - r - 1);
      const cy = rng.uniform(r + 1, S - r - 1);
      const r2 = r * r;
      paint(buf, S, (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r2, fg, rng, shapeNoise);
      break;
    }
    case 'square': {
      const h = rng.uniform(0.15, 0.28) * S; // half side
      const ang = rng.uniform(-0.17, 0.17); // up to ±10°
      const ext = h * (Math.abs(Math.cos(ang)) + Math.abs(Math.sin(ang)));
      const cx = rng.uniform(ext + 1, S - ext - 1);
      const cy = rng.uniform(ext + 1, S - ext - 1);
      const co = Math.cos(ang);
      const si = Math.sin(ang);
      paint(
        buf,
        S,
        (x, y) => {
          const dx = x - cx;
          const dy = y - cy;
          return Math.abs(dx * co + dy * si) <= h && Math.abs(-dx * si + dy * co) <= h;
        },
        fg,
        rng,
        shapeNoise,
      );
      break;
    }
    case 'triangle': {
      const R = rng.uniform(0.22, 0.4) * S; // circumradius of an equilateral triangle
      const rot = -Math.PI / 2 + rng.uniform(-0.2, 0.2); // pointing up, ±11°
      const cx = rng.uniform(R + 1, S - R - 1);
      const cy = rng.uniform(R + 1, S - R - 1);
      const v = [0, 1, 2].map((k) => {
        const t = rot + (k * 2 * Math.PI) / 3;
        return [cx + R * Math.cos(t), cy + R * Math.sin(t)];
      });
      const edge = (a, b, x, y) => (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
      paint(
        buf,
        S,
        (x, y) => {
          const d0 = edge(v[0], v[1], x, y);
          const d1 = edge(v[1], v[2], x, y);
          const d2 = edge(v[2], v[0], x, y);
          return (d0 >= 0 && d1 >= 0 && d2 >= 0) || (d0 <= 0 && d1 <= 0 && d2 <= 0);
        },
        fg,
        rng,
        shapeNoise,
      );
      break;
    }
    case 'stripes': {
      const w = rng.uniform(0.5, 0.95) * S;
      const hh = rng.uniform(0.5, 0.95) * S;
      const x0 = rng.uniform(0, S - w);
      const y0 = rng.uniform(0, S - hh);
      const period = rng.uniform(0.12, 0.25) * S;
      const ang = rng.uniform(0, Math.PI);
      const co = Math.cos(ang);
      const si = Math.sin(ang);
      const phase = rng.uniform(0, 1);
      paint(
        buf,
        S,
        (x, y) => {
          if (x < x0 || x > x0 + w || y < y0 || y > y0 + hh) return false;
          const t = (x * co + y * si) / period + phase;
          return t - Math.floor(t) < 0.5;
        },
        fg,
        rng,
        shapeNoise,
      );
      break;
    }
    default:
      throw new Error(`unknown label ${label}`);
  }
  return toUint8(buf);
}

/**
 * Pretraining task: `n` images of 4 classes (TASK_A_LABELS), balanced and
 * interleaved (image i has label i % 4), size × size RGB.
 */
export function taskA(seed, n, size = 32) {
  const rng = createRng(seed);
  const images = [];
  for (let i = 0; i < n; i++) {
    const label = i % TASK_A_LABELS.length;
    images.push({ label, pixels: drawTaskA(rng, label, size), width: size, height: size });
  }
  return { labels: [...TASK_A_LABELS], images };
}

// ---------------------------------------------------------------------------
// Two-class task: warm round blobs vs. cool near-vertical stripes

function lightBackground(rng) {
  // Pale, low-saturation background of any hue.
  return hsvToRgb(rng.uniform(0, 360), rng.uniform(0, 0.15), rng.uniform(0.78, 0.97));
}

function drawRedBlobs(rng, S) {
  const buf = noisyBackground(rng, S, lightBackground(rng), rng.uniform(4, 16));
  const count = rng.int(2, 5);
  for (let k = 0; k < count; k++) {
    // warm hues: red .. orange (wrapping through magenta-red)
    const color = hsvToRgb(rng.uniform(-15, 35), rng.uniform(0.65, 1), rng.uniform(0.6, 1));
    const rx = rng.uniform(0.08, 0.2) * S;
    const ry = rx * rng.uniform(0.7, 1.3);
    const cx = rng.uniform(rx, S - rx);
    const cy = rng.uniform(ry, S - ry);
    paint(buf, S, (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1, color, rng, 8);
  }
  return toUint8(buf);
}

function drawBlueStripes(rng, S) {
  const buf = noisyBackground(rng, S, lightBackground(rng), rng.uniform(4, 16));
  // cool hues: cyan .. blue
  const color = hsvToRgb(rng.uniform(190, 245), rng.uniform(0.65, 1), rng.uniform(0.5, 0.95));
  const period = rng.uniform(0.12, 0.22) * S;
  const ang = rng.uniform(-0.35, 0.35); // within ±20° of vertical
  const co = Math.cos(ang);
  const si = Math.sin(ang);
  const phase = rng.uniform(0, 1);
  const duty = rng.uniform(0.35, 0.55);
  paint(
    buf,
    S,
    (x, y) => {
      const t = (x * co + y * si) / period + phase;
      return t - Math.floor(t) < duty;
    },
    color,
    rng,
    8,
  );
  return toUint8(buf);
}

/**
 * Easy 2-class task (TWO_CLASS_LABELS = ["red_blobs", "blue_stripes"]):
 * nPerClass images of each, grouped by class (all label 0 first, then all
 * label 1), size × size RGB.
 */
export function twoClassSet(seed, nPerClass, size = 64) {
  const rng = createRng(seed ^ 0x5bd1e995);
  const images = [];
  for (let i = 0; i < nPerClass; i++) {
    images.push({ label: 0, pixels: drawRedBlobs(rng, size), width: size, height: size });
  }
  for (let i = 0; i < nPerClass; i++) {
    images.push({ label: 1, pixels: drawBlueStripes(rng, size), width: size, height: size });
  }
  return { labels: [...TWO_CLASS_LABELS], images };
}

// ---------------------------------------------------------------------------
// Encoders

function checkPixels(pixels, width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`bad image size ${width}×${height}`);
  }
  if (pixels.length !== width * height * 3) {
    throw new RangeError(`expected ${width * height * 3} RGB bytes, got ${pixels.length}`);
  }
}

let crcTable = null;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([len, typeAndData, crc]);
}

/** Encode RGB pixels as an 8-bit truecolour, non-interlaced PNG. */
export function encodePNG(pixels, width, height) {
  checkPixels(pixels, width, height);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Encode RGB pixels as an uncompressed 24-bit bottom-up BMP. */
export function encodeBMP(pixels, width, height) {
  checkPixels(pixels, width, height);
  const rowSize = Math.ceil((width * 3) / 4) * 4;
  const dataSize = rowSize * height;
  const buf = Buffer.alloc(54 + dataSize);
  buf.write('BM', 0, 'ascii');
  buf.writeUInt32LE(54 + dataSize, 2); // file size
  buf.writeUInt32LE(54, 10); // pixel data offset
  buf.writeUInt32LE(40, 14); // BITMAPINFOHEADER size
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22); // positive: bottom-up
  buf.writeUInt16LE(1, 26); // planes
  buf.writeUInt16LE(24, 28); // bits per pixel
  buf.writeUInt32LE(0, 30); // BI_RGB
  buf.writeUInt32LE(dataSize, 34);
  buf.writeInt32LE(2835, 38); // 72 dpi
  buf.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const dst = 54 + (height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      buf[dst + x * 3] = pixels[s + 2];
      buf[dst + x * 3 + 1] = pixels[s + 1];
      buf[dst + x * 3 + 2] = pixels[s];
    }
  }
  return buf;
}
