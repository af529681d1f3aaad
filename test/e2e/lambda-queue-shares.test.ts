// The deliver function's queue shared among subscriptions, as `npm start` runs it: a webhook that takes events and
// never answers fills the queue with its own deliveries, and then its contract's publishes answer 503 naming its
// subscription, while another subscription's events (of another contract) are taken and delivered. Before
// (2026-12-07) every publish whose events went to a webhook was refused once the queue was full.
import {
  application,
  call,
  type LocalSharebus,
  type Receiver,
  startLocalSharebus,
  startReceiver,
  subscribeDemo,
} from './harness.js';

/** A business scope that makes an application about 2.5 KB, so that some 300 deliveries fill 1 MiB. */
const LONG_SCOPE = 'Software development; '.repeat(90);
const LICENSE_TYPE = 'market-regulation.business-license.issued';

const license = (n: number) => ({
  type: LICENSE_TYPE,
  data: {
    applicationId: `EST-20261207-${String(n).padStart(4, '0')}`,
    unifiedSocialCreditCode: '91330106MA2H7KQ3L4',
    licenseNumber: `330106000${String(n).padStart(6, '0')}`,
    companyName: 'Hangzhou Lakeside Bamboo Technology Co., Ltd.',
    companyType: 'limited-liability-company',
    issuedOn: '2026-12-07',
    decidedAt: '2026-12-07T10:00:00+08:00',
  },
});

describe("the deliver function's queue shared among subscriptions under npm start", () => {
  let bus: LocalSharebus;
  let hanging: Receiver;
  let answering: Receiver;

  beforeAll(async () => {
    bus = await startLocalSharebus({ SHAREBUS_LAMBDA_QUEUE_MAX_MB: '1' });
    hanging = await startReceiver();
    hanging.hold = true;
    answering = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    hanging.hold = false;
    await hanging?.close();
    await answering?.close();
    await bus?.stop();
  });

  it("refuses only the publishes bound for the webhook that never answers, naming its subscription, and delivers another subscription's events", async () => {
    // Prepare: the hanging webhook subscribed to applications; the answering one, of the tax system, to licences.
    const { portal } = await subscribeDemo(bus, hanging.url);
    const tax = bus.demoKeys['tax/taxpayer-registration'] as string;
    const registration = bus.demoKeys['market-regulation/business-registration'] as string;
    const subscribed = await call(bus.apiUrl, 'POST', '/subscriptions', tax, {
      type: LICENSE_TYPE,
      endpoint: { url: answering.url },
    });
    expect(subscribed.status).toBe(201);
    // Act: applications in batches of ten until one is refused, then twenty licences one at a time.
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let batch = 0; batch < 100 && refused === undefined; batch++) {
      const events = Array.from({ length: 10 }, (_, i) => application(batch * 10 + i, LONG_SCOPE));
      const answer = await call(bus.apiUrl, 'POST', '/events', portal, { events });
      if (answer.status !== 202) refused = answer;
    }
    const licenses: number[] = [];
    for (let n = 1; n <= 20; n++) {
      licenses.push((await call(bus.apiUrl, 'POST', '/events', registration, license(n))).status);
    }
    // Assess: the applications refused, naming the rule of the hanging subscription; every licence taken, delivered.
    expect(refused?.status).toBe(503);
    const failed = refused?.body.failed as { code: string; message: string }[];
    expect(failed[0]).toMatchObject({
      code: 'ThrottlingException',
      message: expect.stringMatching(
        /^Lambda function arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver is behind: its queue is full \(.*\); rule arn:aws:events:us-east-1:000000000000:rule\/sharebus\/sharebus-sub-[0-9a-f-]{36}'s target deliver holds [\d.]+ MiB of it, at least its share; try again once its invocations catch up$/,
      ),
    });
    expect(licenses.filter((status) => status !== 202)).toEqual([]);
    const delivered = await answering.waitFor(20, 30_000);
    expect(delivered.map((r) => (r.json.data as { licenseNumber: string }).licenseNumber).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `330106000${String(i + 1).padStart(6, '0')}`),
    );
    expect(bus.output()).toContain(
      'The entries refused are those of rule targets holding at least their share',
    );
  }, 120_000);
});
