// The contract layer's public surface: naming rules, the CloudEvents envelope, the contract DSL and the
// demo catalogue. Pure zod, safe to import from Lambda handlers, the local runtime and the CDK app alike.
export * from './catalogue/enterprise-establishment.js';
export * from './dsl.js';
export * from './envelope.js';
export * from './errors.js';
export * from './naming.js';
