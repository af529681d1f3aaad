// One cold start, as Lambda's Node.js runtime makes it: a fresh process imports the bundle, and the time of that
// import is the function's init. Prints {"initMs", "initCpuMs"} on stdout and exits. Plain JavaScript, so that no
// loader of the benchmark's own runs in the measured process. Usage: node init-once.mjs <bundle/index.mjs>
const file = process.argv[2];
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
const module = await import(file);
const ended = process.hrtime.bigint();
const used = process.cpuUsage(cpu);
if (typeof module.handler !== 'function') throw new Error(`${file} exports no handler`);
process.stdout.write(
  `${JSON.stringify({ initMs: Number(ended - started) / 1e6, initCpuMs: (used.user + used.system) / 1000 })}\n`,
);
process.exit(0);
