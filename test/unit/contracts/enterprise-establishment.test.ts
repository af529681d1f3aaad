import {
  applicationSubmittedContract,
  CloudEventSchema,
  type DataOf,
  DEMO_APPLICATION_ID,
  DEMO_CONTRACTS,
  DEMO_DEPARTMENTS,
  DEMO_SAMPLE_DATA,
  DEMO_SCENARIO,
  DEMO_SYSTEMS,
  DepartmentIdSchema,
  demoContract,
  demoSampleEvent,
  parseDataschema,
  SystemIdSchema,
} from '../../../contracts/index.js';
import { strictAjv } from './ajv.js';

describe('the enterprise-establishment demo catalogue', () => {
  it('has the one-window centre and the five deciding departments, each with one system', () => {
    // Act
    const departmentIds = DEMO_DEPARTMENTS.map((department) => department.id);

    // Assess
    expect(departmentIds).toEqual([
      'government-services',
      'market-regulation',
      'public-security',
      'tax',
      'social-security',
      'housing-fund',
    ]);
    expect(DEMO_SYSTEMS.map((system) => system.departmentId)).toEqual(departmentIds);
    expect(DEMO_SYSTEMS[0]).toMatchObject({ departmentId: 'government-services', id: 'one-window-portal' });
    for (const department of DEMO_DEPARTMENTS)
      expect(DepartmentIdSchema.parse(department.id)).toBe(department.id);
    for (const system of DEMO_SYSTEMS) expect(SystemIdSchema.parse(system.id)).toBe(system.id);
    expect(DEMO_SCENARIO).toMatchObject({ sequentialDays: 40, parallelDays: 5 });
  });

  it('has the application and the five decisions, each owned by a demo department with its sharing level', () => {
    // Act
    const summary = DEMO_CONTRACTS.map(({ type, owner, sharing }) => ({ type, owner, sharing }));

    // Assess
    expect(summary).toEqual([
      { type: 'establishment.application.submitted', owner: 'government-services', sharing: 'open' },
      { type: 'market-regulation.business-license.issued', owner: 'market-regulation', sharing: 'open' },
      { type: 'public-security.seal.approved', owner: 'public-security', sharing: 'open' },
      { type: 'tax.registration.completed', owner: 'tax', sharing: 'conditional' },
      { type: 'social-security.employer.registered', owner: 'social-security', sharing: 'conditional' },
      { type: 'housing-fund.account.opened', owner: 'housing-fund', sharing: 'restricted' },
    ]);
  });

  it('makes every decision carry the application id and when it was decided', () => {
    for (const contract of DEMO_CONTRACTS.slice(1)) {
      expect(contract.schema.required).toEqual(expect.arrayContaining(['applicationId', 'decidedAt']));
    }
  });

  it.each(DEMO_CONTRACTS.map((contract) => [contract.type, contract] as const))(
    'gives %s sample data that validates against its own generated schema',
    (type, contract) => {
      // Prepare
      const validate = strictAjv().compile(contract.schema);
      const sample = DEMO_SAMPLE_DATA[type]();

      // Act
      const valid = validate(sample);

      // Assess
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
      expect(contract.data.safeParse(sample).success).toBe(true);
      expect(validate({ ...sample, applicationId: 'APP-1' })).toBe(false);
    },
  );

  it('rejects an application whose unified social credit code breaks the pattern', () => {
    // Prepare
    const contract = demoContract('establishment.application.submitted');
    const validate = strictAjv().compile(contract.schema);
    const sample = DEMO_SAMPLE_DATA['establishment.application.submitted']();

    // Act + Assess
    for (const code of [
      '91330106MA2H7KQ3L',
      '91330106MA2H7KQ3LO',
      '9133010AMA2H7KQ3L4',
      '91330106ma2h7kq3l4',
    ]) {
      expect(validate({ ...sample, unifiedSocialCreditCode: code })).toBe(false);
      expect(
        contract.data.safeParse({ ...sample, unifiedSocialCreditCode: code }).error?.issues[0]?.message,
      ).toBe(
        `unified social credit code ${JSON.stringify(code)} must be 18 characters: digits and capitals except I, O, Z, S, V`,
      );
    }
  });

  it('builds ready-to-publish events of one application that share its correlation id', () => {
    // Act
    const events = DEMO_CONTRACTS.map((contract) =>
      demoSampleEvent(contract.type, { applicationId: 'EST-20250310-0042' }),
    );

    // Assess
    for (const [index, event] of events.entries()) {
      const contract = DEMO_CONTRACTS[index]!;
      expect(CloudEventSchema.parse(event)).toEqual(event);
      expect(event).toMatchObject({
        source: contract.owner,
        type: contract.type,
        subject: 'EST-20250310-0042',
        correlationid: 'EST-20250310-0042',
        data: { applicationId: 'EST-20250310-0042' },
      });
      expect(parseDataschema(event.dataschema)).toEqual({ type: contract.type, version: contract.version });
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  it('dates each sample event at its submission or decision and lets the caller choose id and time', () => {
    // Act
    const submitted = demoSampleEvent('establishment.application.submitted');
    const decided = demoSampleEvent('tax.registration.completed', {
      id: 'evt-7',
      time: '2025-03-06T12:00:00Z',
    });

    // Assess
    expect(submitted.time).toBe(submitted.data.submittedAt);
    expect(submitted.data.applicationId).toBe(DEMO_APPLICATION_ID);
    expect(decided).toMatchObject({ id: 'evt-7', time: '2025-03-06T12:00:00Z' });
    expect(decided.data.taxpayerType).toBe('small-scale');
  });

  it('types the sample data by contract', () => {
    // Prepare
    type Application = DataOf<typeof applicationSubmittedContract>;

    // Act
    const capital: Application['registeredCapital'] = { amount: 1, currency: 'CNY' };
    // @ts-expect-error registered capital is in CNY only
    const other: Application['registeredCapital'] = { amount: 1, currency: 'USD' };

    // Assess: the type check above is tsc's (npm test runs it); at run time the contract's schema agrees
    const field = applicationSubmittedContract.data.shape.registeredCapital;
    expect(field.safeParse(capital).success).toBe(true);
    expect(field.safeParse(other).success).toBe(false);
  });
});
