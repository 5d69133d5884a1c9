/**
 * `--format ndjson`: every line of the output for every fixture, every capture in
 * ../shared/corpus and every kernel-oracle capture (both skipped when ../shared is absent)
 * passes schema/ftpcap-record.schema.json; the lines come in the documented order; and each
 * record is the JSON document's object with `type` added, so the field-by-field schema of
 * the JSON document (checked by schema.test.ts) documents them too.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { renderJson, renderNdjson } from '../../src/report/json.js';
import { SHARED } from '../support/shared.js';
import { captureFiles } from '../support/captures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(SHARED, 'corpus');
const ORACLE_PCAPS = join(SHARED, 'oracle/pcaps');
const ANALYSIS_SCHEMA = 'ftpcap-analysis.schema.json';
const RECORD_SCHEMA = 'ftpcap-record.schema.json';
const RECORD_TYPES = ['capture', 'connection', 'session', 'transfer', 'helper', 'finding', 'error'] as const;

const OPTIONS: AnalyzeOptions = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' } };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type NdjsonRecord = { type: string } & { [key: string]: Json };
interface Document {
  capture: { [key: string]: Json };
  decode: Json;
  connections: Json[];
  sessions: ({ id: number; transfers: Json[] } & { [key: string]: Json })[];
  helper: Json;
  findings: Json[];
  errors: Json[];
}

const fixtures = captureFiles(join(ROOT, 'fixtures'));
const corpus = captureFiles(CORPUS);
const oracle = captureFiles(ORACLE_PCAPS);

// strictRequired off: `required` next to a $ref names properties the referenced schema defines (legal in 2020-12).
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
for (const name of [ANALYSIS_SCHEMA, RECORD_SCHEMA]) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8')) as object, name);
const validateRecord = ajv.getSchema(RECORD_SCHEMA)!;

function errorLines(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 20).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)} (${error.schemaPath})`);
}

/**
 * Schema errors of one line. A oneOf reports the failures of all seven branches; for a line
 * with a known `type` the errors of its own branch say what is wrong.
 */
function recordErrors(record: Json): string[] {
  if (validateRecord(record)) return [];
  const type = (record as { type?: unknown } | null)?.type;
  const branch = typeof type === 'string' && (RECORD_TYPES as readonly string[]).includes(type) ? ajv.getSchema(`${RECORD_SCHEMA}#/$defs/${type}Record`) : undefined;
  if (branch && !branch(record)) return errorLines(branch.errors);
  return errorLines(validateRecord.errors);
}

async function outputs(paths: string[], options: AnalyzeOptions = OPTIONS): Promise<{ lines: string[]; records: NdjsonRecord[]; document: Document }> {
  const analysis = await analyze(paths, options);
  const text = renderNdjson(analysis);
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  return { lines, records: lines.map((line) => JSON.parse(line) as NdjsonRecord), document: JSON.parse(renderJson(analysis)) as Document };
}

function withoutType(record: NdjsonRecord): { [key: string]: Json } {
  const { type: _type, ...rest } = record;
  return rest;
}

/**
 * Every line passes the record schema, the lines come in the documented order (capture,
 * connections, each session followed by its transfers, helper, findings, errors), and each
 * record is the JSON document's object plus `type`.
 */
function expectConforms(records: NdjsonRecord[], document: Document): void {
  const invalid = records
    .map((record, index) => ({ line: index + 1, type: record.type, errors: recordErrors(record) }))
    .filter((result) => result.errors.length > 0);
  expect(invalid).toEqual([]);

  const order = records.map((record) => record.type).join(' ');
  expect(`${order} `).toMatch(/^capture (connection )*(session (transfer )*)*(helper )?(finding )*(error )*$/);

  const ofType = (type: string): NdjsonRecord[] => records.filter((record) => record.type === type);
  const { decode, ...capture } = withoutType(ofType('capture')[0]!);
  expect(capture).toEqual(document.capture);
  expect(decode).toEqual(document.decode);
  expect(ofType('connection').map(withoutType)).toEqual(document.connections);
  expect(ofType('session').map(withoutType)).toEqual(document.sessions.map(({ transfers: _transfers, ...session }) => session));
  expect(ofType('transfer').map(withoutType)).toEqual(document.sessions.flatMap((session) => session.transfers));
  expect(ofType('helper').map(withoutType)).toEqual(document.helper === null ? [] : [document.helper]);
  expect(ofType('finding').map(withoutType)).toEqual(document.findings);
  expect(ofType('error').map(withoutType)).toEqual(document.errors);

  // A transfer line follows the line of its own session.
  let session: number | null = null;
  for (const record of records) {
    if (record.type === 'session') session = record.id as number;
    if (record.type === 'transfer') expect(record.session).toBe(session);
  }
}

describe('ndjson record schema', () => {
  it('compiles as draft 2020-12 in strict mode, one branch per record type', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', RECORD_SCHEMA), 'utf8')) as { oneOf: { $ref: string }[]; $schema: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.oneOf.map((branch) => branch.$ref)).toEqual(RECORD_TYPES.map((type) => `#/$defs/${type}Record`));
    for (const type of RECORD_TYPES) expect(typeof ajv.getSchema(`${RECORD_SCHEMA}#/$defs/${type}Record`)).toBe('function');
  });

  it('rejects lines with an unknown or missing type, or a record that breaks its object\'s contract', async () => {
    const { records } = await outputs([join(ROOT, 'fixtures/broken-port.pcap')]);
    const transfer = records.find((record) => record.type === 'transfer')!;
    const finding = records.find((record) => record.type === 'finding')!;
    expect(recordErrors(transfer)).toEqual([]);
    expect(recordErrors({ ...transfer, type: 'transfers' })).not.toEqual([]);
    expect(recordErrors(withoutType(transfer))).not.toEqual([]);
    expect(recordErrors({ ...transfer, status: 'fine' }).join('\n')).toMatch(/status must be equal to one of the allowed values/);
    expect(recordErrors({ ...finding, frames: ['18'] }).join('\n')).toMatch(/frames\/0 must be integer/);
    const { session: _session, ...orphan } = transfer;
    expect(recordErrors(orphan).join('\n')).toMatch(/must have required property 'session'/);
  });
});

describe('ndjson output of every fixture', () => {
  it('finds the fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(4));
  for (const path of fixtures) {
    it(relative(ROOT, path), async () => {
      const { records, document } = await outputs([path]);
      expectConforms(records, document);
      expect(records.filter((record) => record.type === 'session').length).toBeGreaterThan(0);
      expect(records.filter((record) => record.type === 'helper')).toHaveLength(1);
    });
  }
});

describe('ndjson output in the option variants that change its shape', () => {
  const passive = join(ROOT, 'fixtures/passive.pcap');
  const active = join(ROOT, 'fixtures/active.pcap');

  it('--no-helper: no helper line', async () => {
    const { records, document } = await outputs([passive], { ...OPTIONS, helper: null });
    expectConforms(records, document);
    expect(records.some((record) => record.type === 'helper')).toBe(false);
  });

  it('several files: records name their file', async () => {
    const { records, document } = await outputs([passive, active]);
    expectConforms(records, document);
    for (const record of records.filter((candidate) => ['connection', 'session', 'transfer'].includes(candidate.type))) {
      expect([passive, active]).toContain(record.file);
    }
  });

  it('an input fault: an error line last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-ndjson-'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(passive).subarray(0, 5000));
    const { records, document } = await outputs([cut, active]);
    expectConforms(records, document);
    expect(records.at(-1)).toEqual({ type: 'error', file: cut, offset: expect.any(Number), message: expect.stringContaining('truncated') });
  });

  it('lines are one object each, with no pretty-printing', async () => {
    const { lines } = await outputs([passive]);
    for (const line of lines) {
      expect(line.startsWith('{"type":"')).toBe(true);
      expect(line).not.toMatch(/\n|\r/);
    }
  });

  it.skipIf(!existsSync(join(ORACLE_PCAPS, 'nat_client_side.pcap')))('--nat on nat_client_side.pcap', async () => {
    const { records, document } = await outputs([join(ORACLE_PCAPS, 'nat_client_side.pcap')], {
      ...OPTIONS,
      helper: { ports: [21], loose: false, kernel: '6.18', nat: [{ private: '10.77.1.2', public: '10.77.200.1' }] },
    });
    expectConforms(records, document);
    expect((records.find((record) => record.type === 'helper')!.rewrites as Json[]).length).toBeGreaterThan(0);
  });
});

describe.skipIf(oracle.length === 0)('ndjson output of every kernel-oracle capture', () => {
  for (const path of oracle) {
    it(relative(ORACLE_PCAPS, path), async () => {
      const { records, document } = await outputs([path]);
      expectConforms(records, document);
    });
  }
});

describe.skipIf(corpus.length === 0)('ndjson output of every corpus capture', () => {
  for (const path of corpus) {
    it(relative(CORPUS, path), async () => {
      const { records, document } = await outputs([path]);
      expectConforms(records, document);
    });
  }
});
