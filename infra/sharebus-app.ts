// Builds the sharebus CDK app: the stack, checked by cdk-nag's AWS Solutions rules during synthesis.
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SharebusStack, type SharebusStackProps } from './sharebus-stack.js';

/** Construct ID of the stack, and so its CloudFormation stack name. */
export const STACK_ID = 'Sharebus';

export interface SharebusApp {
  readonly app: App;
  readonly stack: SharebusStack;
}

/**
 * `stackProps` may be a function of the app: a construct a prop names (an `archiveKey` in a stack of its own, say) must
 * be made in this app, which the CDK requires of whatever the stack refers to, and only this function makes the app.
 */
export function createSharebusApp(
  appProps: AppProps = {},
  stackProps: SharebusStackProps | ((app: App) => SharebusStackProps) = {},
): SharebusApp {
  const app = new App(appProps);
  const stack = new SharebusStack(app, STACK_ID, {
    description: 'sharebus: a serverless integration bus on which government departments share data',
    ...(typeof stackProps === 'function' ? stackProps(app) : stackProps),
  });
  // cdk-nag 3 runs as a policy-validation plugin, not an aspect: findings fail `cdk synth` unless
  // acknowledged with Validations.of(scope).acknowledge({ id, reason }) next to the resource they concern.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
