// The registry methods a function's code calls, found by the TypeScript checker rather than by reading the source
// as text: every module its handler reaches through the project's imports (static or dynamic, not `import type`,
// which the bundle leaves out) is walked, and a call counts when the member it names was declared on the Registry
// port (functions/shared/registry/registry.ts) or a class extending it, however the registry was reached (a
// parameter, `ports.registry`, `this.registry`, an alias, `Pick<Registry, ...>`, a generic bound by it, `r?.x`,
// `r['x']`, a destructured method). A type that only has the same shape is not the port and is not counted, nor is a
// call on `this` inside DynamoDbRegistry's own port methods (see withinPortMethod). A module's calls count for every
// function that loads it, used or not.
import { dirname, join } from 'node:path';
import ts from 'typescript';

export interface RegistryCalls {
  /** The registry methods the code reached from `functions/<name>/handler.ts` calls. */
  of(name: string): Set<string>;
}

/** Reads the project under `root` (its tsconfig.json) once. */
export function registryCalls(root: string, names: readonly string[]): RegistryCalls {
  const functionsDir = join(root, 'functions');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const handlers = names.map((name) => join(functionsDir, name, 'handler.ts'));
  const program = ts.createProgram(handlers, parsed.options);
  const checker = program.getTypeChecker();

  const registryFile = program.getSourceFile(join(functionsDir, 'shared', 'registry', 'registry.ts'));
  const registryClass = registryFile?.statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'Registry',
  );
  if (!registryClass) throw new Error('the Registry class is not where it was: update registry-calls.ts');
  const registryType = checker.getTypeAtLocation(registryClass);

  /** Whether `type` is the Registry port or a class that extends it. */
  const isRegistry = (type: ts.Type): boolean => {
    if (type === registryType) return true;
    const target = (type as ts.TypeReference).target ?? type;
    if (!(target.flags & ts.TypeFlags.Object) || !target.isClassOrInterface()) return false;
    return (checker.getBaseTypes(target as ts.InterfaceType) ?? []).some(isRegistry);
  };
  const members = new Set(registryType.getProperties().map((p) => p.name));

  /** Whether a member symbol was declared on the Registry port or a class extending it (through Pick and the like). */
  const onRegistry = (symbol: ts.Symbol | undefined): boolean =>
    symbol !== undefined &&
    checker
      .getRootSymbols(symbol)
      .some((root) =>
        (root.declarations ?? []).some(
          (d) => ts.isClassLike(d.parent) && isRegistry(checker.getTypeAtLocation(d.parent)),
        ),
      );
  /** The member `name` of what `node` evaluates to (undefined and null left aside, for `r?.x`). */
  const memberOf = (node: ts.Node, name: string): ts.Symbol | undefined =>
    checker.getTypeAtLocation(node).getNonNullableType().getProperty(name);

  /**
   * Whether `node` is `this.x` or `super.x` inside a port method of the adapter registry-access.test.ts runs
   * (DynamoDbRegistry, in functions/shared/registry/dynamodb-registry.ts): the actions such a call sends are recorded
   * with that method when the test runs it, so it is not charged to every function that loads the adapter. Any
   * other call counts: in a method of the adapter's own, in another class (a decorator, a function's own subclass).
   */
  const adapter = join(functionsDir, 'shared', 'registry', 'dynamodb-registry.ts');
  const withinPortMethod = (node: ts.PropertyAccessExpression): boolean => {
    const receiver = node.expression.kind;
    if (receiver !== ts.SyntaxKind.ThisKeyword && receiver !== ts.SyntaxKind.SuperKeyword) return false;
    const method = ts.findAncestor(node, ts.isMethodDeclaration);
    return (
      method !== undefined &&
      ts.isIdentifier(method.name) &&
      members.has(method.name.text) &&
      ts.isClassDeclaration(method.parent) &&
      method.parent.name?.text === 'DynamoDbRegistry' &&
      method.getSourceFile().fileName === adapter
    );
  };

  interface Module {
    readonly calls: readonly string[];
    /** The project's modules it loads (not node_modules), statically or dynamically, but not `import type`. */
    readonly loads: readonly string[];
  }
  /** Each module's registry calls and loads, read once. */
  const modules = new Map<string, Module>();
  const read = (path: string): Module => {
    const known = modules.get(path);
    if (known) return known;
    const file = program.getSourceFile(path);
    if (!file) throw new Error(`${path} is not in the program`);
    const calls: string[] = [];
    const loads: string[] = [];
    const load = (specifier: ts.Expression | undefined): void => {
      if (!specifier || !ts.isStringLiteralLike(specifier)) return;
      const resolved = ts.resolveModuleName(
        specifier.text,
        file.fileName,
        parsed.options,
        ts.sys,
      ).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.endsWith('.d.ts'))
        loads.push(resolved.resolvedFileName);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) load(node.moduleSpecifier);
      else if (ts.isExportDeclaration(node) && !node.isTypeOnly) load(node.moduleSpecifier);
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
        load(node.arguments[0]);
      else if (ts.isPropertyAccessExpression(node) && members.has(node.name.text)) {
        if (
          !withinPortMethod(node) &&
          onRegistry(checker.getSymbolAtLocation(node.name) ?? memberOf(node.expression, node.name.text))
        )
          calls.push(node.name.text);
      } else if (
        ts.isElementAccessExpression(node) &&
        ts.isStringLiteralLike(node.argumentExpression) &&
        members.has(node.argumentExpression.text)
      ) {
        if (onRegistry(memberOf(node.expression, node.argumentExpression.text)))
          calls.push(node.argumentExpression.text);
      } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        const name = node.propertyName ?? node.name;
        if (ts.isIdentifier(name) && members.has(name.text) && onRegistry(memberOf(node.parent, name.text)))
          calls.push(name.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    const module = { calls, loads };
    modules.set(path, module);
    return module;
  };

  return {
    of(name) {
      const start = join(functionsDir, name, 'handler.ts');
      const seen = new Set<string>();
      const calls = new Set<string>();
      for (const queue = [start]; queue.length > 0; ) {
        const path = queue.pop() as string;
        if (seen.has(path)) continue;
        seen.add(path);
        const module = read(path);
        for (const call of module.calls) calls.add(call);
        // Only the functions' own code and what it imports from the project (shared modules, contracts).
        queue.push(...module.loads.filter((p) => p.startsWith(dirname(functionsDir))));
      }
      return calls;
    },
  };
}
