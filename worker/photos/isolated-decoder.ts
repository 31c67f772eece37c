// Decodes untrusted image bytes in a WebAssembly instance of photon of its own, thrown away after a trap.
// Photon panics (a WASM trap) on any bad input, leaving the input's copy, its partial pixels and its
// stack in the instance's memory; its glue keeps one instance for good and cannot make another.
import { photonWasmModule } from "@cf-wasm/photon";

export type DecodedPixels = { width: number; height: number; rgba: Uint8Array };

/** The photon exports this uses (wasm-bindgen's ABI: a Vec<u8> comes back as [pointer, length]). */
type DecoderExports = {
  memory: WebAssembly.Memory;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbindgen_start(): void;
  /** An externref table (TypeScript's DOM and Deno's lib types know only function tables). */
  __wbindgen_externrefs: { grow(delta: number): number; set(index: number, value: unknown): void };
  photonimage_new_from_byteslice(ptr: number, len: number): number;
  photonimage_get_width(image: number): number;
  photonimage_get_height(image: number): number;
  photonimage_get_raw_pixels(image: number): [number, number];
  __wbg_photonimage_free(image: number, unused: number): void;
};

/** An instance whose memory grew past this after a decode is dropped too, so one big decode is not kept. */
const MAX_RETAINED_MEMORY = 64 * 1024 * 1024;

let current: DecoderExports | null = null;
const counts = { instances: 0, traps: 0 };

/** Instances made and decodes that trapped so far in this isolate, and the memory the live instance holds. */
export function decoderCounts(): { instances: number; traps: number; memoryBytes: number } {
  return { ...counts, memoryBytes: current?.memory.buffer.byteLength ?? 0 };
}

function instantiate(): DecoderExports {
  const imports: Record<string, (...args: unknown[]) => unknown> = {};
  for (const i of WebAssembly.Module.imports(photonWasmModule)) {
    // Decoding calls none of these (they are photon's DOM helpers and its panic message); a call
    // throws, which ends the decode as a trap would.
    imports[i.name] = () => {
      throw new Error(`the isolated decoder does not provide ${i.name}`);
    };
  }
  let exports: DecoderExports | null = null;
  imports.__wbindgen_init_externref_table = () => {
    // What wasm-bindgen's glue does at start: reserve the table's first slots for its constants.
    const table = exports!.__wbindgen_externrefs;
    const offset = table.grow(4);
    table.set(0, undefined);
    table.set(offset, undefined);
    table.set(offset + 1, null);
    table.set(offset + 2, true);
    table.set(offset + 3, false);
  };
  const instance = new WebAssembly.Instance(photonWasmModule, { "./photon_rs_bg.js": imports });
  exports = instance.exports as unknown as DecoderExports;
  exports.__wbindgen_start();
  counts.instances++;
  return exports;
}

/**
 * The pixels of `bytes` as RGBA, or null when photon cannot decode them. Callers check the true
 * dimensions and the pixel budget first: this only contains what a trap leaves behind.
 */
export function decodeIsolated(bytes: Uint8Array): DecodedPixels | null {
  const wasm = current ?? instantiate();
  current = wasm;
  try {
    const input = wasm.__wbindgen_malloc(bytes.length, 1) >>> 0;
    new Uint8Array(wasm.memory.buffer, input, bytes.length).set(bytes);
    // Takes ownership of the input: freed by photon on success, lost with the instance on a trap.
    const image = wasm.photonimage_new_from_byteslice(input, bytes.length) >>> 0;
    const width = wasm.photonimage_get_width(image) >>> 0;
    const height = wasm.photonimage_get_height(image) >>> 0;
    const [ptr, len] = wasm.photonimage_get_raw_pixels(image);
    const rgba = new Uint8Array(wasm.memory.buffer, ptr >>> 0, len).slice();
    wasm.__wbindgen_free(ptr >>> 0, len, 1);
    wasm.__wbg_photonimage_free(image, 0);
    if (wasm.memory.buffer.byteLength > MAX_RETAINED_MEMORY) current = null;
    return { width, height, rgba };
  } catch {
    counts.traps++;
    current = null; // its memory goes with it
    return null;
  }
}
