import { test, expect } from 'vitest';
import { CaptureBuilder } from '../fixture/builder.js';
import { run } from '../tcp/helpers.js';
test('smoke', () => {
  const cap = new CaptureBuilder();
  const ctl = cap.tcp({ client: '10.0.0.1:40000', server: '10.0.0.2:21', autoAck: true });
  ctl.handshake();
  ctl.server('220 ready\r\n');
  ctl.client('PORT 10,0,0,1,4,1\r\n', { split: [5] });
  ctl.client('NOOP\r\n', { split: [2], drop: [0] });
  ctl.close();
  const { table, rec } = run(cap.frames);
  console.log(rec.segments.map(s => `${s.frame} ${s.direction} k${s.kind} ${JSON.stringify(s.payload)}`).join('\n'));
  console.log(rec.events.map(e => JSON.stringify(e.type === 'data' ? { ...e, bytes: String.fromCharCode(...e.bytes) } : e)).join('\n'));
  console.log(table.stats, rec.connections[0]);
});
