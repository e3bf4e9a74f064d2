import { crc32, deflateSync } from 'node:zlib';

/**
 * Hand-written image files for the hostile-input specs: PNG in every colour type and depth,
 * an animated GIF, a CMYK JPEG and the first bytes of formats the editor refuses.
 */

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/**
 * A PNG of `width`×`height` with the given colour type (0 gray, 2 RGB, 4 gray+alpha, 6 RGBA) and
 * bit depth (8 or 16); `sample(x, y, c)` gives each channel in 0..1.
 */
export function png(
  width: number,
  height: number,
  colorType: 0 | 2 | 4 | 6,
  bitDepth: 8 | 16,
  sample: (x: number, y: number, c: number) => number,
): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const bytes = bitDepth / 8;
  const stride = 1 + width * channels * bytes;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const at = y * stride + 1 + (x * channels + c) * bytes;
        const v = Math.max(0, Math.min(1, sample(x, y, c)));
        if (bitDepth === 16) raw.writeUInt16BE(Math.round(v * 65535), at);
        else raw[at] = Math.round(v * 255);
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** GIF LZW for 8-bit indices, as literal codes only: a clear code every 250 keeps codes 9 bits. */
function lzwLiterals(indices: Uint8Array): Buffer {
  const clear = 256;
  const end = 257;
  const out: number[] = [];
  let acc = 0;
  let nbits = 0;
  const put = (code: number) => {
    acc |= code << nbits;
    nbits += 9;
    while (nbits >= 8) {
      out.push(acc & 0xff);
      acc >>>= 8;
      nbits -= 8;
    }
  };
  put(clear);
  indices.forEach((v, i) => {
    if (i > 0 && i % 250 === 0) put(clear);
    put(v);
  });
  put(end);
  if (nbits > 0) out.push(acc & 0xff);
  const blocks: number[] = [8];
  for (let i = 0; i < out.length; i += 255) {
    const part = out.slice(i, i + 255);
    blocks.push(part.length, ...part);
  }
  blocks.push(0);
  return Buffer.from(blocks);
}

/** An animated GIF: one full frame per colour in `frames` ([r, g, b] 0..255), looping. */
export function animatedGif(width: number, height: number, frames: [number, number, number][]): Buffer {
  const parts: Buffer[] = [Buffer.from('GIF89a', 'ascii')];
  const lsd = Buffer.alloc(7);
  lsd.writeUInt16LE(width, 0);
  lsd.writeUInt16LE(height, 2);
  lsd[4] = 0xf7; // global colour table of 256 entries
  parts.push(lsd);
  const table = Buffer.alloc(256 * 3);
  frames.forEach(([r, g, b], i) => table.set([r, g, b], i * 3));
  parts.push(table);
  // NETSCAPE2.0: loop forever.
  parts.push(Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0'), 0x03, 0x01, 0, 0, 0]));
  frames.forEach((_, i) => {
    parts.push(Buffer.from([0x21, 0xf9, 0x04, 0x00, 10, 0, 0, 0])); // 100 ms per frame
    const desc = Buffer.alloc(10);
    desc[0] = 0x2c;
    desc.writeUInt16LE(width, 5);
    desc.writeUInt16LE(height, 7);
    parts.push(desc, lzwLiterals(new Uint8Array(width * height).fill(i)));
  });
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

// Standard JPEG Huffman tables (ITU T.81 K.3): luminance DC and AC.
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
// Only EOB (0x00) is ever coded here; the rest of the table just has to be a valid AC table.
const AC_VALS = Array.from({ length: 162 }, (_, i) => (i === 0 ? 0 : i));

function huffCodes(bits: number[], vals: number[]): Map<number, [number, number]> {
  const codes = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) codes.set(vals[k++], [code++, len]);
    code <<= 1;
  }
  return codes;
}

const segment = (marker: number, body: number[]): number[] => [
  0xff,
  marker,
  (body.length + 2) >> 8,
  (body.length + 2) & 0xff,
  ...body,
];

/**
 * A baseline CMYK JPEG (4 components, Adobe APP14 with transform 0) of flat colour: every 8×8
 * block has only a DC term. `cmyk` are the stored (Adobe-inverted) values 0..255.
 */
export function cmykJpeg(width: number, height: number, cmyk: [number, number, number, number]): Buffer {
  const dc = huffCodes(DC_BITS, DC_VALS);
  const ac = huffCodes(AC_BITS, AC_VALS);
  const out: number[] = [0xff, 0xd8];
  out.push(...segment(0xee, [...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 0])); // transform 0
  out.push(...segment(0xdb, [0, ...new Array(64).fill(1)])); // quant table 0: all ones
  out.push(
    ...segment(0xc0, [
      8,
      height >> 8,
      height & 0xff,
      width >> 8,
      width & 0xff,
      4,
      ...[1, 2, 3, 4].flatMap((id) => [id, 0x11, 0]),
    ]),
  );
  out.push(...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALS, 0x10, ...AC_BITS, ...AC_VALS]));
  out.push(...segment(0xda, [4, ...[1, 2, 3, 4].flatMap((id) => [id, 0x00]), 0, 63, 0]));
  // Entropy-coded data: per MCU, four blocks (one per component); DC diff, then EOB.
  let acc = 0;
  let nbits = 0;
  const bytes: number[] = [];
  const put = (value: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++nbits === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  const putDc = (diff: number) => {
    const mag = Math.abs(diff);
    const cat = mag === 0 ? 0 : Math.floor(Math.log2(mag)) + 1;
    const [code, len] = dc.get(cat)!;
    put(code, len);
    if (cat) put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
  };
  const [eob, eobLen] = ac.get(0)!;
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const level = cmyk.map((v) => (v - 128) * 8);
  for (let b = 0; b < blocks; b++) {
    for (let c = 0; c < 4; c++) {
      putDc(b === 0 ? level[c] : 0);
      put(eob, eobLen);
    }
  }
  if (nbits > 0) put((1 << (8 - nbits)) - 1, 8 - nbits);
  out.push(...bytes, 0xff, 0xd9);
  return Buffer.from(out);
}

/** The first bytes of a HEIC photo (an ISO-BMFF "ftyp" box with the heic brand) and some filler. */
export function heicStart(): Buffer {
  return Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic', 'ascii'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('mif1heic', 'ascii'),
    Buffer.alloc(256, 7),
  ]);
}

/** A little-endian TIFF header and some filler. */
export function tiffStart(): Buffer {
  return Buffer.concat([Buffer.from('II*\0', 'latin1'), Buffer.from([8, 0, 0, 0]), Buffer.alloc(256, 3)]);
}
