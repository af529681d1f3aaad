// `npm start` with a Java that cannot build the launcher (no compiler): DynamoDB Local runs as its own jar does, on
// every interface and answering web pages, and the start says so, with what to install and what to avoid meanwhile.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startLocalSharebus } from './harness.js';

/** A status for ListTables sent to `url` under `host` (fetch cannot send a Host). */
function listTablesAs(url: string, host: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (res) => {
        res.resume();
        resolveStatus(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

describe('npm start with a Java that has no compiler', () => {
  it('warns that DynamoDB Local listens on every interface and answers web pages, and says what to do', async () => {
    // Prepare: a Java home whose java refuses the compiler module, as a runtime built without it does, and a jar
    // directory with no launcher built yet
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-unbound-'));
    try {
      const java = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], {
        encoding: 'utf8',
      }).stdout.trim();
      mkdirSync(join(scratch, 'home', 'bin'), { recursive: true });
      writeFileSync(
        join(scratch, 'home', 'bin', 'java'),
        `#!/bin/sh\ncase "$*" in *jdk.compiler/*) printf 'Error occurred during initialization of boot layer\\njava.lang.module.FindException: Module jdk.compiler not found\\n'; exit 1;; esac\nexec '${java}' "$@"\n`,
        { mode: 0o755 },
      );
      mkdirSync(join(scratch, 'jars'));
      for (const entry of ['DynamoDBLocal.jar', 'DynamoDBLocal_lib']) {
        symlinkSync(join(root, '.dynamodb-local', entry), join(scratch, 'jars', entry));
      }
      // Act
      const bus = await startLocalSharebus({
        JAVA_HOME: join(scratch, 'home'),
        SHAREBUS_DYNAMODB_LOCAL_DIR: join(scratch, 'jars'),
      });
      try {
        // Assess: the warning, and that what it says is so (a rebound page's Host is answered)
        const output = bus.output().replace(/\s+/g, ' ');
        expect(output).toContain('Warning: DynamoDB Local listens on every interface');
        expect(output).toContain('has no Java compiler (module jdk.compiler)');
        expect(output).toContain('and answers web pages (DNS rebinding)');
        expect(output).toContain('apt-get install openjdk-17-jre-headless');
        expect(output).toContain('browse no untrusted site on this machine while sharebus runs');
        expect(await listTablesAs(bus.dynamoDbUrl, 'evil.example')).toBe(200);
      } finally {
        await bus.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
