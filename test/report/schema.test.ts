/**
 * The `--format json` contract: schema/ftpcap-analysis.schema.json checked against the
 * output of every fixture, every capture in ../shared/corpus and every kernel-oracle
 * capture (both skipped when ../shared is absent), in the option variants that change the
 * document's shape (--no-helper, --show-credentials, --nat, several files, an input fault).
 * Besides passing the schema, every field the output has must be described in it (the
 * schema itself stays open, as the contract lets fields be added), and the finding
 * catalogue docs/findings.md must list every code src/ can emit.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { renderJson } from '../../src/report/json.js';
import { SHARED } from '../support/shared.js';
import { captureFiles, walkFiles } from '../support/captures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(SHARED, 'corpus');
const ORACLE_PCAPS = join(SHARED, 'oracle/pcaps');
const ANALYSIS_SCHEMA = 'ftpcap-analysis.schema.json';
const RECORD_SCHEMA = 'ftpcap-record.schema.json';

const OPTIONS: AnalyzeOptions = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' } };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaNode = { [key: string]: unknown };

// ---------------------------------------------------------------- inputs

const fixtures = captureFiles(join(ROOT, 'fixtures'));
const corpus = captureFiles(CORPUS);
const oracle = captureFiles(ORACLE_PCAPS);

// ---------------------------------------------------------------- schemas

const schemas: Record<string, SchemaNode> = {
  [ANALYSIS_SCHEMA]: JSON.parse(readFileSync(join(ROOT, 'schema', ANALYSIS_SCHEMA), 'utf8')) as SchemaNode,
  [RECORD_SCHEMA]: JSON.parse(readFileSync(join(ROOT, 'schema', RECORD_SCHEMA), 'utf8')) as SchemaNode,
};
// strictRequired off: `required` next to a $ref names properties the referenced schema defines (legal in 2020-12).
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(schema, name);
const validateDocument = ajv.getSchema(ANALYSIS_SCHEMA)!;

function errorLines(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 25).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)} (${error.schemaPath})`);
}

/** Schema errors of a document, as readable lines (empty when it is valid). */
function schemaErrors(document: Json): string[] {
  return validateDocument(document) ? [] : errorLines(validateDocument.errors);
}

function resolveRef(ref: string, base: string): { node: SchemaNode; base: string } {
  const [file, pointer = ''] = ref.split('#');
  const doc = file ? file : base;
  let node: unknown = schemas[doc];
  for (const part of pointer.split('/').slice(1)) node = (node as SchemaNode)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (node === undefined) throw new Error(`unresolvable $ref ${ref} from ${base}`);
  return { node: node as SchemaNode, base: doc };
}

function jsonType(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Whether a oneOf/anyOf branch is the one meant for this value: by its type, const, or a `type` discriminator. */
function branchFits(branch: SchemaNode, base: string, value: Json): boolean {
  let node = branch;
  let at = base;
  while (typeof node.$ref === 'string' && node.type === undefined && node.const === undefined) ({ node, base: at } = resolveRef(node.$ref, at));
  if ('const' in node) return JSON.stringify(node.const) === JSON.stringify(value);
  const types = node.type === undefined ? null : ([] as string[]).concat(node.type as string | string[]);
  const type = jsonType(value);
  if (types && !types.includes(type) && !(type === 'integer' && types.includes('number'))) return false;
  const discriminator = (node.properties as SchemaNode | undefined)?.type as SchemaNode | undefined;
  if (discriminator && 'const' in discriminator && type === 'object') return (value as { type?: Json }).type === discriminator.const;
  return true;
}

interface Scope {
  properties: Map<string, { node: SchemaNode; base: string }>;
  items: { node: SchemaNode; base: string }[];
}

function collect(node: SchemaNode, base: string, value: Json, scope: Scope): void {
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, base);
    collect(target.node, target.base, value, scope);
  }
  for (const [key, child] of Object.entries((node.properties as Record<string, SchemaNode> | undefined) ?? {})) {
    if (!scope.properties.has(key)) scope.properties.set(key, { node: child, base });
  }
  if (node.items && typeof node.items === 'object') scope.items.push({ node: node.items as SchemaNode, base });
  for (const child of (node.allOf as SchemaNode[] | undefined) ?? []) collect(child, base, value, scope);
  for (const keyword of ['oneOf', 'anyOf']) {
    const branch = ((node[keyword] as SchemaNode[] | undefined) ?? []).find((candidate) => branchFits(candidate, base, value));
    if (branch) collect(branch, base, value, scope);
  }
}

/**
 * Paths of the fields in `value` that the schema does not describe. The published schema
 * lets fields be added; this keeps the repo's own output from adding them undocumented.
 */
function undocumentedFields(value: Json, node: SchemaNode, base: string, path = '$', found = new Set<string>()): Set<string> {
  if (value === null || typeof value !== 'object') return found;
  const scope: Scope = { properties: new Map(), items: [] };
  collect(node, base, value, scope);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) for (const items of scope.items) undocumentedFields(item, items.node, items.base, `${path}[${index}]`, found);
    return found;
  }
  for (const [key, child] of Object.entries(value)) {
    const property = scope.properties.get(key);
    if (!property) found.add(`${path.replace(/\[\d+\]/g, '[]')}.${key}`);
    else undocumentedFields(child, property.node, property.base, `${path}.${key}`, found);
  }
  return found;
}

// ---------------------------------------------------------------- running ftpcap

/** Finding codes and severities seen over every run of this file, for the catalogue check. */
const seenFindings = new Map<string, Set<string>>();

async function jsonOf(paths: string[], options: AnalyzeOptions = OPTIONS): Promise<Json> {
  const document = JSON.parse(renderJson(await analyze(paths, options))) as Json;
  for (const finding of (document as { findings: { code: string; severity: string }[] }).findings) {
    const severities = seenFindings.get(finding.code) ?? new Set<string>();
    severities.add(finding.severity);
    seenFindings.set(finding.code, severities);
  }
  return document;
}

/** Every key path (with array indexes folded) holding a given key. */
function pathsWithKey(value: Json, key: string, path = '$', found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item, index) => pathsWithKey(item, key, `${path}[${index}]`, found));
  else if (value !== null && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      if (name === key) found.push(`${path}.${name}`);
      pathsWithKey(child, key, `${path}.${name}`, found);
    }
  }
  return found;
}

/** A document passes the schema, every field it has is described there, and single-file runs carry no `file`. */
function expectConforms(document: Json, singleFile: boolean): void {
  expect(schemaErrors(document)).toEqual([]);
  expect([...undocumentedFields(document, schemas[ANALYSIS_SCHEMA]!, ANALYSIS_SCHEMA)]).toEqual([]);
  if (singleFile) {
    expect(pathsWithKey(document, 'file').filter((path) => !path.startsWith('$.errors[')), '`file` appears only when several files were read').toEqual([]);
    expect(pathsWithKey(document, 'files').filter((path) => path !== '$.capture.files')).toEqual([]);
  }
}

// ---------------------------------------------------------------- the schema itself

describe('the JSON schemas', () => {
  it('compile as draft 2020-12 in strict mode', () => {
    for (const name of [ANALYSIS_SCHEMA, RECORD_SCHEMA]) {
      expect(schemas[name]!.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(ajv.validateSchema(schemas[name]!), JSON.stringify(ajv.errors)).toBe(true);
      expect(typeof ajv.getSchema(name)).toBe('function');
    }
  });

  it('describe every property', () => {
    const missing: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((child, index) => visit(child, `${path}/${index}`));
      else if (node !== null && typeof node === 'object') {
        const properties = (node as SchemaNode).properties as Record<string, SchemaNode> | undefined;
        if (properties && typeof properties === 'object' && !Array.isArray(properties)) {
          for (const [name, property] of Object.entries(properties)) {
            if (typeof property.description !== 'string' || property.description.length < 8) missing.push(`${path}/properties/${name}`);
          }
        }
        for (const [key, child] of Object.entries(node)) visit(child, `${path}/${key}`);
      }
    };
    for (const name of [ANALYSIS_SCHEMA, RECORD_SCHEMA]) visit(schemas[name], name);
    expect(missing).toEqual([]);
  });

  it('require the contract fields of issue 4 and the helper object of issue 5', () => {
    const required = (def: string): unknown => {
      const node = resolveRef(`#/$defs/${def}`, ANALYSIS_SCHEMA).node;
      return node.required;
    };
    expect(schemas[ANALYSIS_SCHEMA]!.required).toEqual(expect.arrayContaining(['capture', 'sessions', 'findings', 'helper']));
    expect(required('sessionSummary')).toEqual(expect.arrayContaining(['id', 'client', 'server', 'start', 'end', 'user', 'login', 'tls', 'commands', 'findings']));
    expect(required('session')).toEqual(['transfers']);
    expect(required('command')).toEqual(expect.arrayContaining(['frame', 'command', 'argument', 'reply', 'preliminary']));
    expect(required('reply')).toEqual(expect.arrayContaining(['code', 'text', 'frame']));
    expect(required('transfer')).toEqual(expect.arrayContaining(['command', 'argument', 'mode', 'setup', 'announced', 'data', 'bytes', 'status', 'complete']));
    expect(required('setup')).toEqual(expect.arrayContaining(['frame', 'command', 'address', 'port']));
    expect(required('dataConnection')).toEqual(expect.arrayContaining(['client', 'server', 'firstFrame', 'lastFrame']));
    expect(required('finding')).toEqual(expect.arrayContaining(['code', 'severity', 'frames', 'message']));
    expect(required('sessionFinding')).toEqual(['session']);
    expect(required('helper')).toEqual(expect.arrayContaining(['ports', 'loose', 'kernel', 'expectations', 'drops', 'ignored']));
  });
});

// ---------------------------------------------------------------- outputs against the schema

describe('json output of every fixture passes the schema', () => {
  it('finds the fixtures', () => {
    expect(fixtures.map((path) => relative(ROOT, path))).toEqual(expect.arrayContaining(['fixtures/passive.pcap', 'fixtures/active.pcap', 'fixtures/broken-port.pcap']));
  });
  for (const path of fixtures) {
    it(relative(ROOT, path), async () => {
      const document = await jsonOf([path]);
      expectConforms(document, true);
      expect((document as { sessions: unknown[] }).sessions.length).toBeGreaterThan(0);
    });
  }
});

describe('json output in the option variants that change its shape', () => {
  const passive = join(ROOT, 'fixtures/passive.pcap');
  const active = join(ROOT, 'fixtures/active.pcap');
  type Doc = {
    helper: unknown;
    sessions: { password: string | null; commands: { command: string; argument: string }[]; transfers: { helper: unknown }[] }[];
  };

  it('--no-helper: helper is null, and so is every transfer verdict', async () => {
    const document = (await jsonOf([passive], { ...OPTIONS, helper: null })) as unknown as Doc;
    expectConforms(document as unknown as Json, true);
    expect(document.helper).toBeNull();
    expect(document.sessions.flatMap((session) => session.transfers.map((transfer) => transfer.helper))).toEqual([null]);
  });

  it('credentials are masked unless --show-credentials', async () => {
    const masked = await jsonOf([passive]);
    expectConforms(masked, true);
    expect(JSON.stringify(masked)).not.toContain('guest@example.com');
    const maskedSession = (masked as unknown as Doc).sessions[0]!;
    expect(maskedSession.password).toBe('********');
    expect(maskedSession.commands.find((command) => command.command === 'PASS')?.argument).toBe('********');

    const shown = await jsonOf([passive], { ...OPTIONS, showCredentials: true });
    expectConforms(shown, true);
    expect((shown as unknown as Doc).sessions[0]!.password).toBe('guest@example.com');
  });

  it('several files: every frame of the FTP model names its file', async () => {
    const document = await jsonOf([passive, active]);
    expectConforms(document, false);
    const doc = document as unknown as {
      connections: { file?: string }[];
      sessions: (Record<string, unknown> & { commands: Record<string, unknown>[]; setups: Record<string, unknown>[]; transfers: Record<string, unknown>[] })[];
      findings: { frames: number[]; files?: string[] }[];
    };
    const paths = new Set([passive, active]);
    const withFrame: Record<string, unknown>[] = [
      ...doc.connections,
      ...doc.sessions,
      ...doc.sessions.flatMap((session) => [session.greeting, ...session.commands, ...session.setups, ...session.transfers]),
      ...doc.sessions.flatMap((session) => session.commands.flatMap((command) => [command.reply, ...(command.preliminary as unknown[])])),
    ].filter((item): item is Record<string, unknown> => item !== null && item !== undefined) as Record<string, unknown>[];
    expect(withFrame.length).toBeGreaterThan(20);
    for (const item of withFrame) expect(paths.has(item.file as string), JSON.stringify(item).slice(0, 200)).toBe(true);
    for (const finding of doc.findings) expect(finding.files?.length).toBe(finding.frames.length);
  });

  it('an input fault: the report of what was read, the file\'s error, and errors[]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-schema-'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, readFileSync(passive).subarray(0, 5000));
    const document = (await jsonOf([cut])) as unknown as { capture: { files: { error: string | null }[] }; errors: { file: string; offset: number }[] };
    expectConforms(document as unknown as Json, true);
    expect(document.capture.files[0]!.error).toMatch(/at byte offset \d+$/);
    expect(document.errors).toEqual([expect.objectContaining({ file: cut, offset: expect.any(Number) })]);

    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, 'not a capture at all');
    const empty = (await jsonOf([garbage])) as unknown as { capture: { first: unknown; files: { format: unknown }[] } };
    expectConforms(empty as unknown as Json, true);
    expect(empty.capture.first).toBeNull();
    expect(empty.capture.files[0]!.format).toBeNull();
  });

  it('a gzip-compressed capture', async () => {
    const { gzipSync } = await import('node:zlib');
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-schema-'));
    const gz = join(dir, 'active.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(active)));
    const document = (await jsonOf([gz])) as unknown as { capture: { files: { compression: string }[] } };
    expectConforms(document as unknown as Json, true);
    expect(document.capture.files[0]!.compression).toBe('gzip');
  });
});

describe('the schema rejects documents that break the contract', () => {
  const broken = join(ROOT, 'fixtures/broken-port.pcap');
  let original: Json = null;
  const mutated = async (change: (doc: any) => void): Promise<string[]> => {
    original ??= await jsonOf([broken]);
    const copy = structuredClone(original) as any;
    change(copy);
    return schemaErrors(copy as Json);
  };

  it('accepts the untouched document', async () => {
    expect(await mutated(() => {})).toEqual([]);
  });
  it.each([
    ['a command without its reply field', (doc: any) => delete doc.sessions[0].commands[0].reply, /must have required property 'reply'/],
    ['a reply code as a string', (doc: any) => (doc.sessions[0].commands[0].reply.code = '331'), /must be integer/],
    ['a frame counted from 0', (doc: any) => (doc.sessions[0].commands[0].frame = 0), /must be >= 1/],
    ['an unknown transfer status', (doc: any) => (doc.sessions[0].transfers[0].status = 'fine'), /must be equal to one of the allowed values/],
    ['an unknown severity', (doc: any) => (doc.findings[0].severity = 'fatal'), /must be equal to one of the allowed values/],
    ['a session finding without its session', (doc: any) => delete doc.sessions[0].findings[0].session, /must have required property 'session'/],
    ['tls as true', (doc: any) => (doc.sessions[0].tls = true), /must be equal to constant|must be object/],
    ['an endpoint without its port', (doc: any) => (doc.sessions[0].client = '203.0.113.7'), /must match pattern/],
    ['a helper without its expectations', (doc: any) => delete doc.helper.expectations, /must have required property 'expectations'/],
    ['a timestamp in another format', (doc: any) => (doc.sessions[0].start = 1700000000), /must be string/],
  ])('rejects %s', async (_name, change, message) => {
    const errors = await mutated(change);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  it('lets fields be added, but flags them as undocumented', async () => {
    original ??= await jsonOf([broken]);
    const copy = structuredClone(original) as any;
    copy.sessions[0].transfers[0].newField = 1;
    copy.capture.extra = { a: 1 };
    expect(schemaErrors(copy)).toEqual([]);
    expect([...undocumentedFields(copy, schemas[ANALYSIS_SCHEMA]!, ANALYSIS_SCHEMA)].sort()).toEqual(['$.capture.extra', '$.sessions[].transfers[].newField']);
  });
});

describe.skipIf(oracle.length === 0)('json output of every kernel-oracle capture passes the schema', () => {
  const variants: [string, AnalyzeOptions][] = [
    ['default', OPTIONS],
    ['helper ports 21,2121, loose, kernel 2026', { controlPorts: [21, 2121], helper: { ports: [21, 2121], loose: true, kernel: '2026' } }],
  ];
  for (const path of oracle) {
    for (const [variant, options] of variants) {
      it(`${relative(ORACLE_PCAPS, path)} (${variant})`, async () => expectConforms(await jsonOf([path], options), true));
    }
  }
  it.skipIf(!existsSync(join(ORACLE_PCAPS, 'nat_client_side.pcap')))('nat_client_side.pcap with --nat 10.77.1.2=10.77.200.1', async () => {
    const document = (await jsonOf([join(ORACLE_PCAPS, 'nat_client_side.pcap')], {
      ...OPTIONS,
      helper: { ports: [21], loose: false, kernel: '6.18', nat: [{ private: '10.77.1.2', public: '10.77.200.1' }] },
    })) as unknown as { helper: { nat: unknown[]; rewrites: unknown[] } };
    expectConforms(document as unknown as Json, true);
    expect(document.helper.nat).toHaveLength(1);
    expect(document.helper.rewrites.length).toBeGreaterThan(0);
  });
});

describe.skipIf(corpus.length === 0)('json output of every corpus capture passes the schema', () => {
  for (const path of corpus) it(relative(CORPUS, path), async () => expectConforms(await jsonOf([path]), true));
});

// ---------------------------------------------------------------- the finding catalogue

const CATALOGUE = join(ROOT, 'docs/findings.md');
const SEVERITIES = ['info', 'note', 'warning', 'error'];

/** The catalogue's entries: each `### \`code\`` heading with the severities its "Severity" line names. */
function catalogue(): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  let current: string | null = null;
  for (const line of readFileSync(CATALOGUE, 'utf8').split('\n')) {
    const heading = /^###\s+`([^`]+)`\s*$/.exec(line);
    if (heading) {
      current = heading[1]!;
      expect(entries.has(current), `${current} is listed twice`).toBe(false);
      entries.set(current, []);
      continue;
    }
    if (/^#{1,3}\s/.test(line)) current = null;
    const severity = /^\s*[-*]\s+\*\*Severity:?\*\*:?\s*(.*)$/.exec(line);
    if (current !== null && severity) entries.set(current, SEVERITIES.filter((name) => new RegExp(`\\b${name}\\b`).test(severity[1]!)));
  }
  return entries;
}

function sourceFiles(dir: string): string[] {
  return walkFiles(dir).filter((path) => path.endsWith('.ts'));
}

/** Drops comments so that codes quoted as examples in a doc comment do not count. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * Every finding code src/ can emit: string literals shaped like a code (`'ftp.setup.unused'`,
 * `TCP_FINDINGS` values, backtick literals without interpolation), and the template
 * `helper.${verdict}` expanded over the Verdict union of src/helper/verdict.ts minus the
 * verdicts helper/report.ts skips. Any other template-built code fails the test, so that
 * it gets added here.
 */
function codesInSource(): { codes: Set<string>; unexpanded: string[] } {
  const codes = new Set<string>();
  const unexpanded: string[] = [];
  const literal = /(['"`])((?:ip|tcp|ftp|helper)\.[a-z0-9-]+(?:\.[a-z0-9-]+)*)\1/g;
  const template = /`((?:ip|tcp|ftp|helper)\.[^`]*\$\{[^`]*)`/g;
  for (const path of sourceFiles(join(ROOT, 'src'))) {
    const text = withoutComments(readFileSync(path, 'utf8'));
    for (const match of text.matchAll(literal)) if (!/\.(?:js|ts|json|log)$/.test(match[2]!)) codes.add(match[2]!);
    for (const match of text.matchAll(template)) {
      if (match[1] !== 'helper.${verdict.verdict}') {
        unexpanded.push(`${relative(ROOT, path)}: \`${match[1]}\``);
        continue;
      }
      const verdictSource = readFileSync(join(ROOT, 'src/helper/verdict.ts'), 'utf8');
      const union = /export type Verdict\s*=([^;]+);/.exec(verdictSource)?.[1] ?? '';
      const verdicts = [...union.matchAll(/'([a-z-]+)'/g)].map((verdict) => verdict[1]!);
      expect(verdicts.length, 'the Verdict union of src/helper/verdict.ts').toBeGreaterThan(3);
      const skipped = new Set([...text.matchAll(/verdict\.verdict === '([a-z-]+)'\)\s*continue/g)].map((skip) => skip[1]!));
      for (const verdict of verdicts) if (!skipped.has(verdict)) codes.add(`helper.${verdict}`);
    }
  }
  return { codes, unexpanded };
}

describe('docs/findings.md catalogues every finding code', () => {
  it('every code src/ can emit is in the catalogue, with a severity', () => {
    const { codes, unexpanded } = codesInSource();
    expect(unexpanded, 'finding codes built from templates this test does not know how to expand').toEqual([]);
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes]).toEqual(expect.arrayContaining(['ip.fragment', 'tcp.overlap-different', 'ftp.tls', 'ftp.data.unlinked', 'helper.dropped', 'helper.ignored']));
    const entries = catalogue();
    expect([...codes].filter((code) => !entries.has(code)).sort(), 'codes missing from docs/findings.md').toEqual([]);
    expect([...entries].filter(([, severities]) => severities.length === 0).map(([code]) => code), 'entries without a **Severity** line').toEqual([]);
  });

  it('the catalogue lists no code that src/ cannot emit', () => {
    const { codes } = codesInSource();
    expect([...catalogue().keys()].filter((code) => !codes.has(code)).sort()).toEqual([]);
  });

  // Runs after the outputs above (vitest runs a file's tests in order) and checks what they emitted;
  // when a filter skipped them, it analyzes the fixtures and the corpus itself.
  it('every finding emitted above is catalogued with the severity it was emitted with', async () => {
    if (seenFindings.size === 0) for (const path of [...fixtures, ...corpus]) await jsonOf([path]);
    expect(seenFindings.size).toBeGreaterThan(3);
    const entries = catalogue();
    const wrong: string[] = [];
    for (const [code, severities] of seenFindings) {
      const listed = entries.get(code);
      if (!listed) wrong.push(`${code}: not in the catalogue`);
      else for (const severity of severities) if (!listed.includes(severity)) wrong.push(`${code}: emitted as ${severity}, catalogued as ${listed.join('/')}`);
    }
    expect(wrong).toEqual([]);
  });
});
