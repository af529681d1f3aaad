// The local API throttles as the deployed stage does (a token bucket for each route: a burst, refilled at a rate a
// second), so that a client's handling of 429 is exercised before it meets API Gateway's.
import { call, type LocalSharebus, startLocalSharebus } from './harness.js';

describe('the local API throttle', () => {
  let bus: LocalSharebus;

  beforeAll(async () => {
    bus = await startLocalSharebus({ SHAREBUS_API_THROTTLE: '2/10' }, ['--in-memory', '--no-demo']);
  }, 120_000);

  afterAll(async () => {
    await bus?.stop();
  });

  it('answers 429 Too Many Requests, as API Gateway does, past the burst, and takes requests again as it refills', async () => {
    // Act: 30 at once against a burst of 10
    const answers = await Promise.all(Array.from({ length: 30 }, () => call(bus.apiUrl, 'GET', '/health')));
    const unmatched = await call(bus.apiUrl, 'GET', '/nothing');
    // Each route has a bucket of its own, as API Gateway applies a stage's default route limits: 10 at once to
    // another route all pass (a shared bucket, refilled by 2 a second, would have passed a few)
    const otherRoute = await Promise.all(
      Array.from({ length: 10 }, () => call(bus.apiUrl, 'GET', '/contracts')),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = await call(bus.apiUrl, 'GET', '/health');
    // Assess: the bucket refills at 2 a second while the 30 are answered, so a few more than 10 may pass (10 or more
    // are refused unless answering the 30 takes 5 s; the slow rate leaves that margin to a busy machine)
    const throttled = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(10);
    expect(throttled.length).toBeGreaterThanOrEqual(10);
    expect(throttled.length + answers.filter((a) => a.status === 200).length).toBe(30);
    expect(throttled[0]).toMatchObject({
      contentType: 'application/json',
      body: { message: 'Too Many Requests' },
    });
    expect(unmatched.status).toBe(404);
    expect(otherRoute.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 401));
    expect(later.status).toBe(200);
  });
});
