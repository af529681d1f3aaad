// Starts AWS's DynamoDB Local (the jar fetched at install by fetch-jar.mjs) as a child process on a
// known port (a free one picked, tried again if another process takes it first), waits until it listens there
// and answers, and stops it again.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portIsFree, treeListensOnPort } from '../net.js';
import { groupRunning, signal } from '../processes.js';
import { recordOf } from './fetch-jar.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The flags DynamoDB Local's Java runs with unless SHAREBUS_DYNAMODB_JAVA_OPTS replaces them. C1 only and the serial
 * collector: DynamoDB Local starts in about half the time (measured 5.3 s against 12.4 s on a loaded 2-core machine),
 * which is what a dev server and a test suite wait on.
 */
export const DEFAULT_JAVA_OPTS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto';

export class JavaNotFoundError extends Error {
  override name = 'JavaNotFoundError';
}

export class DynamoDbLocalStartError extends Error {
  override name = 'DynamoDbLocalStartError';
}

/** The port DynamoDB Local was to listen on is held by another process (taken after it was seen free, say). */
export class DynamoDbLocalPortTakenError extends DynamoDbLocalStartError {
  override name = 'DynamoDbLocalPortTakenError';
}

export interface DynamoDbLocalOptions {
  /** 0 or omitted: a free port (DynamoDB Local itself refuses `-port 0`). */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Host names answered besides loopback (SHAREBUS_ALLOWED_HOSTS, checked by parseAllowedHosts): a request under any
   * other Host, or from a web page served elsewhere, is refused (see LoopbackDynamoDbLocal.java's WebPageGuard).
   */
  readonly allowedHosts?: ReadonlySet<string>;
  /** Directory for the database file; omitted means in memory (nothing kept). */
  readonly dbPath?: string;
  /** @default `.dynamodb-local/` in the repository, or SHAREBUS_DYNAMODB_LOCAL_DIR */
  readonly jarDir?: string;
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /**
   * The address it listens on: the host asked for, or undefined when it listens on every interface because the
   * small launcher that binds it could not be built (`whyUnbound` says why): the Java found has no compiler, and
   * no other Java built it for this jar directory before.
   */
  readonly boundTo: string | undefined;
  readonly whyUnbound: string | undefined;
  /** The watchdog's, which leads DynamoDB Local's process group: signal `-pid` to reach all of it. */
  readonly pid: number;
  /**
   * Settles once DynamoDB Local has ended, by stop() or not, with how: its exit code and the last it printed. A
   * caller that did not stop it has lost its database.
   */
  readonly ended: Promise<string>;
  /**
   * What SQLite last said when DynamoDB Local could not use its database file (as `unsupported file format` for one
   * that is not SQLite's), or undefined. DynamoDB Local answers such a request only with InternalFailure.
   */
  databaseComplaint(): string | undefined;
  /**
   * Why DynamoDB Local could not load SQLite's native library, which it unpacks into Java's temporary directory and
   * loads at its first request (undefined when it loaded, or none has been made); then every request fails with an
   * HTML 500. Its jar has builds for glibc Linux (x86_64, aarch64, x86), macOS (x86_64, arm64) and Windows only, so
   * it cannot load on a musl Linux (Alpine), nor from a temporary directory mounted noexec.
   */
  nativeLibraryFailure(): string | undefined;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'DynamoDB Local needs Java 17 or newer. Install it (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; ' +
  // Homebrew's openjdk@17 is keg-only: macOS's /usr/bin/java, a stub that says "Unable to locate a Java Runtime",
  // does not find it, so a hint of `brew install` alone failed again the same way.
  'macOS: `brew install openjdk@17`, then `export JAVA_HOME="$(brew --prefix openjdk@17)"`; others: https://adoptium.net), ' +
  'or point JAVA_HOME at one.';

/**
 * The Java to run DynamoDB Local with, its major version, and the environment to run it in: one under which that
 * Java names files in UTF-8 (see utf8Locale), as it says itself.
 */
function javaBinary(): { path: string; major: number; env: NodeJS.ProcessEnv } {
  const home = process.env.JAVA_HOME;
  const candidate = home ? join(home, 'bin', 'java') : 'java';
  const given = utf8Locale(process.env);
  const probe = spawnSync(candidate, ['-XshowSettings:properties', '-version'], {
    encoding: 'utf8',
    env: given,
  });
  if (probe.error || probe.status !== 0) {
    // A JAVA_HOME left behind (the JDK it named removed or upgraded): the fault is the variable, not a missing Java.
    if (home && (probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new JavaNotFoundError(
        `JAVA_HOME is ${home}, which holds no bin/java: point it at a Java 17 or newer, or unset it to run the \`java\` on PATH.`,
      );
    }
    // Its own first words, as macOS's stub's "Unable to locate a Java Runtime": what is there, and why it is not one.
    // (Java's first line is "Picked up …" when JAVA_TOOL_OPTIONS or _JAVA_OPTIONS is set, "NOTE: Picked up …" for
    // JDK_JAVA_OPTIONS: not why it failed; and "Error occurred during initialization of VM" says why on the next.)
    const said = probe.error
      ? probe.error.message
      : `${probe.stderr ?? ''}${probe.stdout ?? ''}`
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && !/^(NOTE: )?Picked up /.test(line))
          .slice(0, 2)
          .join(' ');
    // A Java that runs without them, refusing the options the shell gives every Java, is there all the same.
    const set = probe.error ? [] : JAVA_OPTION_VARIABLES.filter((name) => process.env[name]);
    const unset = { ...given };
    for (const name of set) delete unset[name];
    const blamed =
      set.length > 0 && spawnSync(candidate, ['-version'], { env: unset }).status === 0 ? set : [];
    throw new JavaNotFoundError(
      `\`${candidate}\` could not be run${said ? ` (${said})` : ''}. ${
        blamed.length > 0
          ? `It runs without the options of ${blamed.join(' and ')}, which every Java takes: correct or unset ${blamed.length === 1 ? 'it' : 'them'}.`
          : INSTALL_HINT
      }`,
    );
  }
  // `1.8.0_402` is Java 8; from 9 on the version starts with the major.
  const [, first, second] = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr) ?? [];
  const major = Number(first === '1' && second !== undefined ? second : (first ?? Number.NaN));
  if (major < 17) throw new JavaNotFoundError(`\`${candidate}\` is Java ${major}. ${INSTALL_HINT}`);
  // A locale named UTF-8 but not installed (LANG=en_US.UTF-8 in a container without it, or carried over ssh) is
  // C to the C library, and to Java: a path holding other than ASCII could not be opened (seen: a checkout in
  // "政务 sharebus" ended DynamoDB Local at once, "could not open /…/?????? sharebus/…/DynamoDBLocal.jar").
  const jnu = /^\s*sun\.jnu\.encoding = (.*)$/m.exec(probe.stderr)?.[1]?.trim();
  const env = jnu === undefined || /^utf-?8$/i.test(jnu) ? given : { ...process.env, LC_ALL: 'C.UTF-8' };
  return { path: candidate, major: Number.isNaN(major) ? 17 : major, env };
}

/** The variables whose options every `java` takes besides its command line's (JDK_JAVA_OPTIONS: the launcher's). */
const JAVA_OPTION_VARIABLES = ['JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS'] as const;

/**
 * DEFAULT_JAVA_OPTS as given to a Java run in `env`: without its collector when the options every Java there takes
 * choose one (JAVA_TOOL_OPTIONS=-XX:+UseG1GC), as the two together stop Java at once ("Multiple garbage collectors
 * selected").
 */
export function defaultJavaOpts(env: NodeJS.ProcessEnv): string[] {
  const collector = /^-XX:\+Use\w+GC$/;
  const inherited = JAVA_OPTION_VARIABLES.flatMap((name) => (env[name] ?? '').split(/\s+/));
  const chosen = inherited.some((flag) => collector.test(flag));
  return DEFAULT_JAVA_OPTS.split(/\s+/).filter((flag) => flag !== '' && !(chosen && collector.test(flag)));
}

/** The environment with a UTF-8 locale: as given when its locale is UTF-8, else with LC_ALL=C.UTF-8. */
export function utf8Locale(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale) ? env : { ...env, LC_ALL: 'C.UTF-8' };
}

/**
 * DynamoDB Local's jar and its libraries, as a Java class path relative to the jar directory, where Java runs: a
 * class path cannot hold a directory whose name has a colon (macOS shows a Finder folder "2024/25" as "2024:25").
 */
const JAR_CLASSPATH = ['DynamoDBLocal.jar', join('DynamoDBLocal_lib', '*')].join(':');

const BINDER = 'LoopbackDynamoDbLocal';
/** javac's entry point, run by `java` itself: there is no `javac` beside every `java` that has the compiler. */
const JAVAC = 'jdk.compiler/com.sun.tools.javac.Main';
const BINDER_SOURCE = join(root, 'local', 'dynamodb', `${BINDER}.java`);

/**
 * The directory holding the compiled binder (see LoopbackDynamoDbLocal.java), compiling it on first use with the
 * compiler in `java`'s own image (module jdk.compiler, what `javac` runs: Debian's Java runtime package holds
 * it too, not only JDKs); or why not, when that Java has no compiler (some runtimes are built without it) or it
 * fails (then DynamoDB Local listens on every interface, as its own jar does). Each build sits in a directory named after what it was built from (source, jar, Java release), so a
 * change of any of them builds anew rather than reuse a class that no longer fits.
 */
function binderClasses(
  jarDir: string,
  java: { path: string; major: number; env: NodeJS.ProcessEnv },
): { dir: string } | { why: string } {
  const jarId = existsSync(join(jarDir, 'sha256'))
    ? readFileSync(join(jarDir, 'sha256'), 'utf8')
    : String(statSync(join(jarDir, 'DynamoDBLocal.jar')).size);
  const key = createHash('sha256')
    .update(readFileSync(BINDER_SOURCE))
    .update(`\0${jarId}\0${java.major}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(jarDir, 'binder', key);
  const built = join(dir, `${BINDER}.class`);
  if (existsSync(built)) return { dir };
  // Compiled aside and renamed into place, so that processes starting at once never load a half-written class.
  let scratch: string;
  try {
    scratch = mkdtempSync(join(jarDir, 'binder-'));
  } catch (error) {
    return { why: `the binder cannot be built in ${jarDir}: ${(error as Error).message}` };
  }
  try {
    // No --release: the Java that compiles it runs it (and --release needs the jdk.zipfs module besides).
    // Into a folder of its own, made as the user's umask has it (mkdtemp makes `scratch` 0700): renamed into place, it
    // is readable by whoever shares the jar directory, as the user's other files are.
    const classes = join(scratch, 'classes');
    mkdirSync(classes);
    const args = ['-m', JAVAC, '-d', classes, '-cp', JAR_CLASSPATH, BINDER_SOURCE];
    const run = spawnSync(java.path, args, { cwd: jarDir, encoding: 'utf8', env: java.env });
    if (run.error || run.status !== 0) {
      // A Java without the module says so on stdout, not stderr.
      const said = run.error ? run.error.message : `${run.stderr}${run.stdout}`.trim();
      return /Module jdk\.compiler not found/.test(said)
        ? { why: `\`${java.path}\` has no Java compiler (module jdk.compiler)` }
        : { why: `\`${java.path} -m ${JAVAC}\` failed: ${said}` };
    }
    // All of its classes at once (the guard is a class of its own): a directory another process renamed into place
    // first is as good.
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(classes, dir);
    } catch (error) {
      if (!existsSync(built)) throw error;
    }
    return { dir };
  } catch (error) {
    // Putting it in place failed (`binder` is not a folder, or its folder refuses this user): DynamoDB Local then
    // runs from its own jar, said so as when the binder cannot be compiled, rather than `npm start` stopping.
    return { why: `the binder cannot be built in ${jarDir}: ${(error as Error).message}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The binder built from this checkout's source for the `java` on PATH (see binderClasses), for tests: jarDir's
 * `binder/` also holds the builds of other checkouts sharing it, such as older ones run to bisect.
 */
export function binderFor(jarDir: string): { dir: string } | { why: string } {
  return binderClasses(jarDir, javaBinary());
}

/** The line the binder prints once its server listens (see LoopbackDynamoDbLocal.java), before `host:port`. */
const READY = 'sharebus: DynamoDB Local listening on ';

/**
 * Java's words for a port already bound: "Failed to bind" comes first, from its own jar's main and from the binder's
 * stack alike; the BindException that says why follows it, and may not have been read yet when the first is seen.
 */
const BIND_FAILED = /Failed to bind|BindException|Address already in use/;

/**
 * Waits until DynamoDB Local is up: `ready()` (its own word, when it can give one) and an answer on `endpoint`.
 * A port chosen free can be taken by another process before Java binds it, and that process's answers would pass
 * for DynamoDB Local's: this runtime would then read and write another server's database (seen: two test runs
 * starting at once shared one, and a restart found another run's admin key). Rejects when `exited()` says the
 * process ended, or at `deadline` (on `performance.now()`, which a wall clock set back or forward does not move).
 */
export async function untilUp(
  endpoint: string,
  ready: () => boolean,
  exited: () => string | undefined,
  deadline: number,
): Promise<void> {
  for (;;) {
    const ended = exited();
    if (ended !== undefined) throw new DynamoDbLocalStartError(ended);
    // The answer first, then whose it is: a server that took the port between the two would pass otherwise.
    const answering = await answers(endpoint);
    if (answering && ready()) return;
    if (performance.now() > deadline) {
      throw new DynamoDbLocalStartError(
        answering
          ? `a server answers on ${endpoint}, but DynamoDB Local was not seen listening there in time`
          : `DynamoDB Local did not answer on ${endpoint} in time`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Whether any HTTP server answers on `endpoint` (DynamoDB Local says 400 to a bare GET). Over node:http with a
 * connection of its own, not fetch: with NODE_USE_ENV_PROXY=1 (Node 22.21+, 24.5+) fetch sends it to HTTP_PROXY
 * unless NO_PROXY names 127.0.0.1, and a start on a machine with a proxy set waited out the deadline and said DynamoDB
 * Local "did not answer" (network edges review, session 64). The SDK's and the deliveries' own agents are not proxied.
 */
function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const req = httpGet(endpoint, { agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolveAnswer(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolveAnswer(false));
  });
}

/**
 * The jar and libraries fetch-jar.mjs recorded at install that are gone: Java would otherwise fail on the first class
 * it cannot find, with a stack. Only whether each is there, not its hash (npm install checks those): this runs at
 * every start. The licences and notes beside them are not needed to run. None for a directory it did not fill.
 */
function missingFiles(jarDir: string): string[] {
  return (recordOf(jarDir)?.files ?? [])
    .map(({ path }) => path)
    .filter((path) => /^DynamoDBLocal(\.jar$|_lib\/)/.test(path) && !existsSync(join(jarDir, path)));
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // Absolute, as Java runs in it with a class path made from it.
  const jarDir = resolve(
    options.jarDir ?? (process.env.SHAREBUS_DYNAMODB_LOCAL_DIR || join(root, '.dynamodb-local')),
  );
  if (!existsSync(join(jarDir, 'DynamoDBLocal.jar'))) {
    const named =
      options.jarDir === undefined && process.env.SHAREBUS_DYNAMODB_LOCAL_DIR
        ? ' (SHAREBUS_DYNAMODB_LOCAL_DIR)'
        : '';
    throw new DynamoDbLocalStartError(
      `DynamoDB Local is not in ${jarDir}${named}: run \`npm install\` (or \`node local/dynamodb/fetch-jar.mjs\`) first, with the same SHAREBUS_DYNAMODB_LOCAL_DIR.`,
    );
  }
  const missing = missingFiles(jarDir);
  if (missing.length > 0) {
    throw new DynamoDbLocalStartError(
      `DynamoDB Local in ${jarDir} is missing ${missing.length === 1 ? 'a file' : `${missing.length} files`} it was installed with (${missing[0]}${missing.length > 1 ? ', …' : ''}): run \`npm install\` to fetch it again.`,
    );
  }
  const java = javaBinary();
  const host = options.host ?? '127.0.0.1';
  // Any HTTP answer on the port counts as DynamoDB Local up (below): a port another server holds would pass for
  // it, and this runtime would then read and write that server's database.
  if (options.port && !(await portIsFree(host, options.port))) {
    throw new DynamoDbLocalPortTakenError(
      `port ${options.port} on ${host} is in use: DynamoDB Local cannot listen there.`,
    );
  }
  const binder = binderClasses(jarDir, java);
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  // DynamoDB Local writes its database 0644 (Java's umask): only the folder keeps it private (and the runtime closes
  // one an earlier version made 0755, which mkdir leaves as it is).
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true, mode: 0o700 });

  /** Starts Java on `port` and waits until it is up (see untilUp). */
  const launch = async (port: number): Promise<DynamoDbLocal> => {
    // DynamoDB Local unpacks sqlite4java's native library (900 KB) into Java's temporary directory the first time it
    // opens its database, and deletes it only when it shuts down: a Java killed (SIGKILL, as the crash tests do, or
    // a machine going down) left one in /tmp each time. Each launch gets a directory of its own, removed when it ends.
    // Absolute: Java runs in the jar directory, and would read a relative TMPDIR (TMPDIR=tmp) against it.
    // TMPDIR as this module's process.env says it, which is os.tmpdir()'s first source: a test's sandboxed env (jest
    // gives each test file a copy) is not what os.tmpdir() reads, so a TMPDIR set there was never used.
    const base = process.env.TMPDIR || tmpdir();
    let javaTmp: string;
    try {
      javaTmp = mkdtempSync(join(resolve(base), 'sharebus-dynamodb-'));
    } catch (error) {
      throw new DynamoDbLocalStartError(
        `Java's temporary directory cannot be made in ${base} (${(error as Error).message}): set TMPDIR to a writable directory.`,
        { cause: error },
      );
    }
    const javaArgs = [
      // First, so that one given in SHAREBUS_DYNAMODB_JAVA_OPTS wins (the last of a property's flags does)
      `-Djava.io.tmpdir=${javaTmp}`,
      // Out of heap, DynamoDB Local stayed up and answered nothing, so every call with a key was 500 while /health
      // said all was well, and the start never heard (memory review, 2026-12-07, at -Xmx24m under 20 clients
      // registering 200 KB schemas). Ended instead, it is lost as when killed: sharebus stops, saying so.
      // Before the options given too, which may turn it off (-XX:-ExitOnOutOfMemoryError).
      '-XX:+ExitOnOutOfMemoryError',
      ...(process.env.SHAREBUS_DYNAMODB_JAVA_OPTS !== undefined
        ? process.env.SHAREBUS_DYNAMODB_JAVA_OPTS.split(/\s+/).filter(Boolean)
        : defaultJavaOpts(process.env)),
      // Relative to the jar directory, where Java runs, as the class path is (JAR_CLASSPATH)
      '-Djava.library.path=DynamoDBLocal_lib',
      // DynamoDB Local's own main listens on every interface; the binder runs it on `host` alone.
      ...('dir' in binder
        ? [
            `-Dsharebus.host=${host}`,
            `-Dsharebus.allowedHosts=${[...(options.allowedHosts ?? [])].join(',')}`,
            '-cp',
            `${JAR_CLASSPATH}:${relative(jarDir, binder.dir)}`,
            BINDER,
          ]
        : ['-jar', 'DynamoDBLocal.jar']),
      '-port',
      String(port),
      '-disableTelemetry',
      // One database whatever the caller's credentials, so the AWS CLI sees what the handlers wrote.
      '-sharedDb',
      ...storage,
    ];
    // Java is started under a small shell watchdog that stops it when our end of its stdin closes: on
    // stop(), and also when this process dies without cleaning up (SIGKILL, a crashed test worker), so no
    // orphaned DynamoDB Local keeps the port. The watchdog leads a process group of its own, and ends that whole
    // group: Java, and any script that `java` is and that runs Java as its child rather than becoming it. The
    // watchdog itself outlives that signal (ignored only once Java has started, so Java does not inherit it), to
    // end when Java has: stop() returns once DynamoDB Local is gone.
    // Once Java has ended, the watchdog removes Java's temporary directory (its first argument), then ends with
    // Java's status: that covers this process dying first.
    const watchdog =
      'exec 3<&0; tmp=$1; shift; "$@" </dev/null & pid=$!; trap "" TERM;' +
      ' (cat <&3 >/dev/null; kill -TERM -$$ 2>/dev/null) & wait "$pid"; code=$?; rm -rf "$tmp"; exit "$code"';
    const child: ChildProcess = spawn(
      'sh',
      ['-c', watchdog, 'sharebus-dynamodb-local', javaTmp, java.path, ...javaArgs],
      {
        cwd: jarDir,
        // Java names files in the locale's encoding: under C or POSIX (no LANG, as in many containers) a state
        // directory or checkout whose path holds other than ASCII could not be opened.
        env: java.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let output = '';
    // Through the binder, DynamoDB Local says when it listens. Its own jar does not: there, the processes started
    // (Java, under the watchdog and any script that `java` is) must be seen holding the port (Linux's /proc tells;
    // elsewhere its answer must do).
    const readyLine = 'dir' in binder ? `${READY}${host}:${port}` : undefined;
    let said = false;
    let complaint: string | undefined;
    let nativeFailed = false;
    let nativeWhy: string | undefined;
    const ready = () =>
      readyLine !== undefined
        ? said
        : child.pid !== undefined && treeListensOnPort(child.pid, port) !== false;
    const keep = (chunk: Buffer) => {
      // Looked for before the text kept is cut, which could cut it away.
      const text = output + chunk.toString();
      if (readyLine !== undefined && text.includes(readyLine)) said = true;
      // sqlite4java's words end in SQLite's own, in brackets: "SQLiteException: [26] DB[1] prepare() …; [file is not a database]"
      for (const [, words] of text.matchAll(/SQLiteException: .*\[([^\]\n]+)\]\s*$/gm)) complaint = words;
      // Its verdict ("NativeSQLiteLibraryNotFoundException: No native library found for os.name=Linux, …") comes
      // after the loader's reasons, the first of which says why: the library could not be unpacked into Java's
      // temporary directory (NoSuchFileException, AccessDeniedException), or not loaded from there
      // (UnsatisfiedLinkError: "failed to map segment from shared object" under noexec, "Error loading shared
      // library" on musl).
      nativeWhy ??=
        /^\S*(?:UnsatisfiedLinkError|FileSystemException|NoSuchFileException|AccessDeniedException): .+$/m
          .exec(text)?.[0]
          .trim();
      if (text.includes('NativeSQLiteLibraryNotFoundException')) nativeFailed = true;
      output = text.slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const closed = new Promise<void>((resolveClosed) => child.once('close', () => resolveClosed()));
    let exited: number | null | undefined;
    let exitSignal: string | null = null;
    const exit = new Promise<void>((resolveExit) => {
      child.once('exit', (code, signal) => {
        exited = code;
        exitSignal = signal;
        resolveExit();
      });
      // sh could not be started at all: there is no exit to wait for
      child.once('error', () => {
        exited ??= null;
        resolveExit();
      });
    });
    // And this process removes it once all of the group is gone, however it ended (stop() also does, having waited
    // for that): the watchdog can be killed with its Java, or alone while its Java runs on.
    const removeJavaTmp = () => {
      try {
        rmSync(javaTmp, { recursive: true, force: true });
      } catch (error) {
        // Left in the temporary directory: not worth ending the process that runs everything else.
        console.error(`sharebus: could not remove DynamoDB Local's temporary directory ${javaTmp}:`, error);
      }
    };
    void exit.then(async () => {
      while (child.pid !== undefined && groupRunning(child.pid)) {
        await new Promise((r) => setTimeout(r, 100).unref());
      }
      removeJavaTmp();
    });

    /**
     * Ends the watchdog's process group and waits until all of it is gone: the watchdog ends once the process it
     * started has, but that may be a script whose Java, its child, is still shutting down. What is left after 10 s
     * is killed.
     */
    const end = async (): Promise<void> => {
      child.stdin?.end();
      if (child.pid !== undefined) {
        const group = child.pid;
        const killAt = performance.now() + 10_000;
        let killed = false;
        while (groupRunning(group)) {
          if (!killed && performance.now() > killAt) {
            signal(-group, 'SIGKILL');
            killed = true;
          } else if (killed && performance.now() > killAt + 2_000) {
            break; // what SIGKILL leaves listed only waits to be reaped: not for us to wait on
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (exited === undefined) await exit;
      removeJavaTmp();
    };

    const endpoint = `http://${host}:${port}`;
    const deadline = performance.now() + (options.startTimeoutMs ?? 30_000);
    try {
      await untilUp(
        endpoint,
        ready,
        () => {
          if (exited !== undefined)
            return `DynamoDB Local exited (code ${exited}) on port ${port}: ${output}`;
          // Its own jar's Java runs on when it cannot listen (Jetty's threads keep it): no need to wait it out.
          if (BIND_FAILED.test(output)) return `DynamoDB Local could not listen on port ${port}: ${output}`;
          return undefined;
        },
        deadline,
      );
    } catch (error) {
      // Its own words when it ended or could not listen; else (the deadline) what it printed, said before end()
      const said = exited !== undefined || BIND_FAILED.test(output);
      await end();
      // What Java printed just before it ended can be read after its exit is seen: its pipes closing says all was.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000).unref())]);
      if (BIND_FAILED.test(output)) {
        throw new DynamoDbLocalPortTakenError(`DynamoDB Local could not listen on port ${port}: ${output}`, {
          cause: error,
        });
      }
      if (said) throw error;
      throw new DynamoDbLocalStartError(`${(error as Error).message}: ${output}`);
    }

    return {
      endpoint,
      port,
      boundTo: 'dir' in binder ? host : undefined,
      whyUnbound: 'why' in binder ? binder.why : undefined,
      pid: child.pid ?? -1,
      ended: exit.then(() => {
        const last = output
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '')
          .slice(-3)
          .join(' / ');
        const how = exited === null ? `on signal ${exitSignal ?? 'unknown'}` : `with code ${exited}`;
        return `DynamoDB Local exited ${how}${last ? `, having printed: ${last}` : ''}`;
      }),
      databaseComplaint: () => complaint,
      nativeLibraryFailure: () => (nativeFailed ? (nativeWhy ?? 'no reason given') : undefined),
      stop: end,
    };
  };
  // A port picked free may be taken before Java binds it: then Java cannot listen, and another free port is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(options.port || (await freePort(host)));
    } catch (error) {
      if (options.port || !(error instanceof DynamoDbLocalPortTakenError) || attempt === 3) throw error;
    }
  }
}
