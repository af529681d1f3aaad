// The analysis registry-access.test.ts relies on: it must find a function's registry calls however the code
// reaches the registry, which matching `registry.NAME(` as text (before 2026-12-04) did not.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { registryCalls } from './registry-calls.js';

describe('registryCalls: the registry methods a function reaches, by the type checker', () => {
  let root: string;

  beforeAll(async () => {
    // A project of its own: the Registry port, a class implementing it, a shared helper, and two functions.
    root = await mkdtemp(join(tmpdir(), 'sharebus-calls-'));
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          types: [],
        },
        include: ['functions'],
      }),
      'package.json': JSON.stringify({ type: 'module' }),
      'functions/shared/registry/registry.ts': [
        'export abstract class Registry {',
        '  abstract getDepartment(id: string): Promise<string>;',
        '  abstract listContracts(): Promise<string[]>;',
        '  abstract createSubscription(id: string): Promise<void>;',
        '  abstract deleteSubscription(id: string): Promise<void>;',
        '  abstract listSubscriptions(): Promise<string[]>;',
        '  abstract getSubscription(id: string): Promise<string>;',
        '}',
      ].join('\n'),
      'functions/shared/registry/dynamodb-registry.ts': [
        "import { Registry } from './registry.js';",
        'export class DynamoDbRegistry extends Registry {',
        '  async getDepartment(id: string) { return id; }',
        "  async listContracts() { await this.getSubscription('x'); return []; }",
        '  async createSubscription(_id: string) {}',
        '  async deleteSubscription(_id: string) {}',
        '  async listSubscriptions() { return []; }',
        '  async getSubscription(id: string) { return id; }',
        '  async ping() { return this.listSubscriptions(); }',
        '}',
      ].join('\n'),
      'functions/shared/helper.ts': [
        "import type { Registry } from './registry/registry.js';",
        'export const contractsOf = (store: Registry) => store.listContracts();',
      ].join('\n'),
      'functions/shared/other.ts': [
        '/** Not a registry: a method of the same name on another type does not count. */',
        'export const other = { deleteSubscription: (id: string) => id };',
      ].join('\n'),
      'functions/alpha/handler.ts': [
        "import { DynamoDbRegistry } from '../shared/registry/dynamodb-registry.js';",
        "import { contractsOf } from '../shared/helper.js';",
        'const ports = { registry: new DynamoDbRegistry() };',
        'const aliased = ports.registry;',
        'const { createSubscription } = aliased;',
        'export const handler = async () => {',
        "  await aliased.getDepartment('d');",
        "  await createSubscription.call(aliased, 's');",
        '  return contractsOf(ports.registry);',
        '};',
      ].join('\n'),
      'functions/beta/handler.ts': [
        "import { other } from '../shared/other.js';",
        "export const handler = async () => other.deleteSubscription('s');",
      ].join('\n'),
      'functions/delta/handler.ts': [
        "import type { Registry } from '../shared/registry/registry.js';",
        "import type { contractsOf } from '../shared/helper.js';",
        'export type Helper = typeof contractsOf;',
        "export const pick = (r: Pick<Registry, 'getDepartment'>) => r.getDepartment('d');",
        "export const frozen = (r: Readonly<Registry>) => r.deleteSubscription('s');",
        'export const bound = <R extends Registry>(r: R) => r.listSubscriptions();',
        "export const maybe = (r: Registry | undefined) => r?.createSubscription('s');",
        "export const indexed = (r: Registry) => r['deleteSubscription']('s');",
        'export const handler = async () => {',
        "  const { later } = await import('./later.js');",
        '  return later;',
        '};',
      ].join('\n'),
      'functions/delta/later.ts': [
        "import type { Registry } from '../shared/registry/registry.js';",
        'declare const registry: Registry;',
        "export const later = () => registry.getSubscription('x');",
      ].join('\n'),
      'functions/shared/registry/audited.ts': [
        "import { DynamoDbRegistry } from './dynamodb-registry.js';",
        '/** A decorator beside the adapter: registry-access never runs it, so its calls on `this` count. */',
        'export class Audited extends DynamoDbRegistry {',
        "  override async getDepartment(id: string) { await this.deleteSubscription('x'); return id; }",
        '}',
      ].join('\n'),
      'functions/epsilon/handler.ts': [
        "import { Audited } from '../shared/registry/audited.js';",
        "export const handler = async () => new Audited().getDepartment('d');",
      ].join('\n'),
      'functions/gamma/handler.ts': [
        "import { DynamoDbRegistry } from '../shared/registry/dynamodb-registry.js';",
        "export { contractsOf } from '../shared/helper.js';",
        'export const handler = async () => new DynamoDbRegistry();',
      ].join('\n'),
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds calls through an alias, a destructured method and a shared helper, and nothing on other types', () => {
    // WHEN
    const calls = registryCalls(root, ['alpha', 'beta', 'gamma', 'delta']);
    // THEN
    // A port method's call of another on `this` is recorded with it when registry-access runs it (getSubscription
    // here, inside listContracts); any other call in the class counts, for every function that loads it (ping's).
    expect([...calls.of('alpha')].sort()).toEqual([
      'createSubscription',
      'getDepartment',
      'listContracts',
      'listSubscriptions',
    ]);
    expect([...calls.of('beta')]).toEqual([]);
    // A module's calls count for every function that reaches it (re-exports too), used or not: the grant covers
    // what its code could run, module by module, as the text match did file by file.
    expect([...calls.of('gamma')].sort()).toEqual(['listContracts', 'listSubscriptions']);
  });

  it('counts a call on `this` in any class but the adapter registry-access runs, as in a decorator beside it', () => {
    // WHEN
    const calls = registryCalls(root, ['epsilon']);
    // THEN: ping's listSubscriptions comes with dynamodb-registry.ts, as for alpha.
    expect([...calls.of('epsilon')].sort()).toEqual([
      'deleteSubscription',
      'getDepartment',
      'listSubscriptions',
    ]);
  });

  it('finds calls on types made from the port, and in a module loaded dynamically, but not through import type', () => {
    // WHEN: delta imports helper.ts (which calls listContracts) for its types only, which the bundle leaves out.
    const calls = registryCalls(root, ['delta']);
    // THEN
    expect([...calls.of('delta')].sort()).toEqual([
      'createSubscription',
      'deleteSubscription',
      'getDepartment',
      'getSubscription',
      'listSubscriptions',
    ]);
  });
});
