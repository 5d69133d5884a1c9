import { readCaptures } from '../src/capture/index.js';
const s = performance.now();
let n = 0;
const summary = await readCaptures(process.argv.slice(2), () => { n++; }, { onProgress: (b, t, f) => console.error('progress', b, t, f) });
console.log(n, JSON.stringify(summary.files.map((f) => [f.path, f.format, f.compression, f.frames, f.bytes, f.sizeOnDisk, f.error?.message])), (performance.now() - s).toFixed(0), 'ms');
