import { ENV, endpointPolicyFromEnv } from '../../../functions/shared/config.js';

// Mutation review, 2026-12-07: endpointPolicyFromEnv could fail open (allow-http unless told https-only) without any
// test failing. A function deployed without the variable, or with it misspelt, would then take http webhooks and
// POST to internal addresses (the metadata service included).
describe('endpointPolicyFromEnv', () => {
  const saved = process.env[ENV.endpointPolicy];
  afterEach(() => {
    if (saved === undefined) delete process.env[ENV.endpointPolicy];
    else process.env[ENV.endpointPolicy] = saved;
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['misspelt', 'https_only'],
    ['in another case', 'ALLOW-HTTP'],
    ['https-only', 'https-only'],
  ])('is https-only when the variable is %s', (_, value) => {
    // Prepare
    if (value === undefined) delete process.env[ENV.endpointPolicy];
    else process.env[ENV.endpointPolicy] = value;
    // Act
    const policy = endpointPolicyFromEnv();
    // Assess
    expect(policy).toBe('https-only');
  });

  it('is allow-http only when the variable says allow-http', () => {
    // Prepare
    process.env[ENV.endpointPolicy] = 'allow-http';
    // Act
    const policy = endpointPolicyFromEnv();
    // Assess
    expect(policy).toBe('allow-http');
  });
});
