// Entry point of the CDK app (cdk.json: `npx tsx infra/app.ts`).
import { createSharebusApp } from './sharebus-app.js';

createSharebusApp().app.synth();
