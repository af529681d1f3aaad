// The registry methods a function's code calls, found by the TypeScript checker rather than by reading the source
// as text: every module its handler reaches through the project's imports is walked, and a call counts when the
// method it names is a member of the Registry port (functions/shared/registry/registry.ts), however the registry
// was reached (a parameter, `ports.registry`, `this.registry`, a variable of its own, a destructured method).
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

  /** The project's modules `file` imports or re-exports (not node_modules). */
  const importsOf = (file: ts.SourceFile): string[] => {
    const found: string[] = [];
    for (const statement of file.statements) {
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
      if (!specifier || !ts.isStringLiteral(specifier)) continue;
      const resolved = ts.resolveModuleName(
        specifier.text,
        file.fileName,
        parsed.options,
        ts.sys,
      ).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport && !resolved.resolvedFileName.endsWith('.d.ts'))
        found.push(resolved.resolvedFileName);
    }
    return found;
  };

  /** The registry methods named in `file`: `x.method` where x is a registry, and `{ method } = registry`. */
  const callsIn = (file: ts.SourceFile): string[] => {
    const calls: string[] = [];
    const visit = (node: ts.Node): void => {
      if (
        ts.isPropertyAccessExpression(node) &&
        members.has(node.name.text) &&
        isRegistry(checker.getTypeAtLocation(node.expression))
      )
        calls.push(node.name.text);
      if (ts.isObjectBindingPattern(node) && isRegistry(checker.getTypeAtLocation(node))) {
        for (const element of node.elements) {
          const name = element.propertyName ?? element.name;
          if (ts.isIdentifier(name) && members.has(name.text)) calls.push(name.text);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    return calls;
  };

  return {
    of(name) {
      const start = join(functionsDir, name, 'handler.ts');
      const seen = new Set<string>();
      const calls = new Set<string>();
      for (let queue = [start]; queue.length > 0; ) {
        const path = queue.pop() as string;
        if (seen.has(path)) continue;
        seen.add(path);
        const file = program.getSourceFile(path);
        if (!file) throw new Error(`${path} is not in the program`);
        for (const call of callsIn(file)) calls.add(call);
        // Only the functions' own code and what it imports from the project (shared modules, contracts).
        queue = [...queue, ...importsOf(file).filter((p) => p.startsWith(dirname(functionsDir)))];
      }
      return calls;
    },
  };
}
