import { HistoryRing } from '../src/tcp/half.js';
const orig = HistoryRing.prototype.reset;
let resets = 0;
HistoryRing.prototype.reset = function () { resets++; return orig.call(this); };
process.on('exit', () => console.log('resets', resets));
await import('./zz-micro.ts');
