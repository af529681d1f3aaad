// Builds the sharebus stack and app for the infra tests with the feature flags of cdk.json, as `cdk synth`
// does, each writing its cloud assembly to a fresh temporary directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type AppProps, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createSharebusApp, type SharebusApp } from '../../infra/sharebus-app.js';
import { SharebusStack, type SharebusStackProps } from '../../infra/sharebus-stack.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

export interface SynthesizeOptions {
  /**
   * Bundle the handlers with esbuild, as `cdk synth` does. Off by default: bundling seven functions takes
   * seconds, and only the bundling test looks at the code.
   */
  readonly bundle?: boolean;
  readonly stackProps?: SharebusStackProps;
}

const outdirs: string[] = [];

export function appProps(options: SynthesizeOptions = {}): AppProps {
  const outdir = mkdtempSync(join(tmpdir(), 'sharebus-cdk-'));
  outdirs.push(outdir);
  return {
    outdir,
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      // As the CDK CLI does by default: no creation stack traces, asset paths in resource metadata.
      'aws:cdk:disable-stack-trace': true,
      'aws:cdk:enable-asset-metadata': true,
      // The CDK's built-in CloudFormation rules take about ten seconds to load, in every test file.
      // `npm run synth` still runs them.
      '@aws-cdk/core:validateAgainstDefaultRules': false,
    },
  };
}

/** The stack alone, without the cdk-nag checks, so a finding fails the cdk-nag test and no other. */
export function synthesizeStack(options: SynthesizeOptions = {}): {
  stack: SharebusStack;
  template: Template;
} {
  const stack = new SharebusStack(new App(appProps(options)), 'Sharebus', options.stackProps);
  return { stack, template: Template.fromStack(stack) };
}

/** The app as infra/app.ts builds it, cdk-nag checks included. */
export function buildApp(options: SynthesizeOptions = {}): SharebusApp {
  return createSharebusApp(appProps(options), options.stackProps);
}

/** The logical ID of a construct's CloudFormation resource in the template. */
export function logicalIdOf(stack: SharebusStack, resource: CfnResource): string {
  return stack.resolve(resource.logicalId);
}

/** Deletes the cloud assemblies this test file wrote. */
export function removeAssemblies(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}
