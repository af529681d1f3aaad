// The demo catalogue: a company applies once at the one-window portal, and five departments decide in
// parallel on the shared application instead of one after another (40 days become 5).
import * as z from 'zod';
import { type Contract, type DataOf, defineContract } from '../dsl.js';
import type { CloudEvent } from '../envelope.js';

export const DEMO_SCENARIO = {
  name: 'enterprise-establishment',
  title: 'Establishing an enterprise through one window',
  sequentialDays: 40,
  parallelDays: 5,
} as const;

export interface DemoDepartment {
  readonly id: string;
  readonly name: string;
}

export const DEMO_DEPARTMENTS = [
  { id: 'government-services', name: 'One-Window Government Service Centre' },
  { id: 'market-regulation', name: 'Administration for Market Regulation' },
  { id: 'public-security', name: 'Public Security Bureau' },
  { id: 'tax', name: 'Tax Service' },
  { id: 'social-security', name: 'Human Resources and Social Security Bureau' },
  { id: 'housing-fund', name: 'Housing Provident Fund Management Centre' },
] as const satisfies readonly DemoDepartment[];

export type DemoDepartmentId = (typeof DEMO_DEPARTMENTS)[number]['id'];

export interface DemoSystem {
  readonly departmentId: DemoDepartmentId;
  readonly id: string;
  readonly name: string;
}

export const DEMO_SYSTEMS = [
  { departmentId: 'government-services', id: 'one-window-portal', name: 'One-Window Enterprise Portal' },
  { departmentId: 'market-regulation', id: 'business-registration', name: 'Business Registration System' },
  { departmentId: 'public-security', id: 'seal-management', name: 'Official Seal Management System' },
  { departmentId: 'tax', id: 'taxpayer-registration', name: 'Taxpayer Registration System' },
  {
    departmentId: 'social-security',
    id: 'employer-registration',
    name: 'Social Insurance Employer Registry',
  },
  { departmentId: 'housing-fund', id: 'fund-accounts', name: 'Housing Fund Account System' },
] as const satisfies readonly DemoSystem[];

// Fields every contract of the case repeats, defined once so they validate the same way everywhere.

/** The portal's reference for one application; every decision event carries it back. */
const ApplicationIdSchema = z
  .string()
  .regex(/^EST-\d{8}-\d{4}$/, { error: 'applicationId must look like EST-YYYYMMDD-NNNN' })
  .describe('The one-window application this event belongs to');

// GB 32100-2015: 18 characters from digits and capitals without I, O, Z, S, V; characters 3-8 are the
// administrative division code. The check character is not verified: JSON Schema cannot express it.
const UnifiedSocialCreditCodeSchema = z
  .string()
  .regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/, {
    error: (issue) =>
      `unified social credit code ${JSON.stringify(issue.input)} must be 18 characters: digits and capitals except I, O, Z, S, V`,
  })
  .describe('Unified social credit code of the enterprise (GB 32100-2015)');

const TimestampSchema = z.iso.datetime({ offset: true });
const DecidedAtSchema = TimestampSchema.describe('When the department decided');

export const applicationSubmittedContract = defineContract({
  type: 'establishment.application.submitted',
  version: '1.0.0',
  description:
    'A company applied at the one-window portal to be established; every department decides on it.',
  sharing: 'open',
  owner: 'government-services',
  data: z.object({
    applicationId: ApplicationIdSchema,
    companyName: z.string().min(1).max(200),
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema,
    registeredAddress: z.string().min(1).max(500),
    // The representative's identity number is personal data and stays out of an open contract: it will
    // travel in a conditional contract once approval workflows exist.
    legalRepresentative: z.object({ name: z.string().min(1).max(100) }),
    businessScope: z.string().min(1).max(2000),
    registeredCapital: z.object({
      amount: z.number().int().positive().describe('In whole yuan'),
      currency: z.literal('CNY'),
    }),
    submittedAt: TimestampSchema.describe('When the applicant submitted'),
  }),
});

export const businessLicenseIssuedContract = defineContract({
  type: 'market-regulation.business-license.issued',
  version: '1.0.0',
  description: 'Market regulation registered the company and issued its business licence.',
  sharing: 'open',
  owner: 'market-regulation',
  data: z.object({
    applicationId: ApplicationIdSchema,
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema,
    licenseNumber: z.string().min(1).max(64),
    companyName: z.string().min(1).max(200),
    companyType: z.enum([
      'limited-liability-company',
      'joint-stock-company',
      'sole-proprietorship',
      'partnership',
    ]),
    issuedOn: z.iso.date(),
    decidedAt: DecidedAtSchema,
  }),
});

export const sealApprovedContract = defineContract({
  type: 'public-security.seal.approved',
  version: '1.0.0',
  description: "Public security approved the engraving of the company's official seals.",
  sharing: 'open',
  owner: 'public-security',
  data: z.object({
    applicationId: ApplicationIdSchema,
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema,
    seals: z
      .array(
        z.object({
          kind: z.enum(['company', 'financial', 'invoice', 'contract', 'legal-representative']),
          sealNumber: z.string().min(1).max(32),
        }),
      )
      .min(1),
    engraver: z.string().min(1).max(200),
    decidedAt: DecidedAtSchema,
  }),
});

export const taxRegistrationCompletedContract = defineContract({
  type: 'tax.registration.completed',
  version: '1.0.0',
  description: 'The tax service registered the company as a taxpayer.',
  sharing: 'conditional',
  owner: 'tax',
  data: z.object({
    applicationId: ApplicationIdSchema,
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema,
    taxpayerType: z.enum(['small-scale', 'general']),
    competentTaxAuthority: z.string().min(1).max(200),
    electronicInvoicingEnabled: z.boolean(),
    decidedAt: DecidedAtSchema,
  }),
});

export const employerRegisteredContract = defineContract({
  type: 'social-security.employer.registered',
  version: '1.0.0',
  description: 'Social security registered the company as an employer for social insurance.',
  sharing: 'conditional',
  owner: 'social-security',
  data: z.object({
    applicationId: ApplicationIdSchema,
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema,
    employerAccountNumber: z.string().min(1).max(32),
    insuranceTypes: z
      .array(z.enum(['pension', 'medical', 'unemployment', 'work-injury', 'maternity']))
      .min(1),
    decidedAt: DecidedAtSchema,
  }),
});

export const housingFundAccountOpenedContract = defineContract({
  type: 'housing-fund.account.opened',
  version: '1.0.0',
  description: "The housing fund centre opened the employer's housing provident fund account.",
  sharing: 'restricted',
  owner: 'housing-fund',
  data: z.object({
    applicationId: ApplicationIdSchema,
    unifiedSocialCreditCode: UnifiedSocialCreditCodeSchema,
    fundAccountNumber: z.string().min(1).max(32),
    depositBank: z.string().min(1).max(200),
    // The statutory band for each side's contribution is 5% to 12% of wages.
    contributionRatePercent: z.object({
      employer: z.number().int().min(5).max(12),
      employee: z.number().int().min(5).max(12),
    }),
    decidedAt: DecidedAtSchema,
  }),
});

/** The application first, then the five decisions taken in parallel on it. */
export const DEMO_CONTRACTS = [
  applicationSubmittedContract,
  businessLicenseIssuedContract,
  sealApprovedContract,
  taxRegistrationCompletedContract,
  employerRegisteredContract,
  housingFundAccountOpenedContract,
] as const;

export type DemoContract = (typeof DEMO_CONTRACTS)[number];
export type DemoContractType = DemoContract['type'];

// Fictional: the code's check character is correct so tools that verify it accept the samples.
export const DEMO_APPLICATION_ID = 'EST-20250303-0001';
const CREDIT_CODE = '91330106MA2H7KQ3L4';
const COMPANY_NAME = 'Hangzhou Lakeside Bamboo Technology Co., Ltd.';

/** One builder per contract: realistic, fictional data for the given application. */
export const DEMO_SAMPLE_DATA: {
  readonly [C in DemoContract as C['type']]: (applicationId?: string) => DataOf<C>;
} = {
  'establishment.application.submitted': (applicationId = DEMO_APPLICATION_ID) => ({
    applicationId,
    companyName: COMPANY_NAME,
    unifiedSocialCreditCode: CREDIT_CODE,
    registeredAddress: 'Room 1203, No. 18 Qingshan Lane, Xihu District, Hangzhou, Zhejiang 310012',
    legalRepresentative: { name: 'Lin Xiaoyu' },
    businessScope:
      'Software development; technical services for bamboo product design; sale of bamboo products.',
    registeredCapital: { amount: 1_000_000, currency: 'CNY' },
    submittedAt: '2025-03-03T09:12:00+08:00',
  }),
  'market-regulation.business-license.issued': (applicationId = DEMO_APPLICATION_ID) => ({
    applicationId,
    unifiedSocialCreditCode: CREDIT_CODE,
    licenseNumber: '330106000202503030017',
    companyName: COMPANY_NAME,
    companyType: 'limited-liability-company',
    issuedOn: '2025-03-04',
    decidedAt: '2025-03-04T10:30:00+08:00',
  }),
  'public-security.seal.approved': (applicationId = DEMO_APPLICATION_ID) => ({
    applicationId,
    unifiedSocialCreditCode: CREDIT_CODE,
    seals: [
      { kind: 'company', sealNumber: '3301060012345' },
      { kind: 'financial', sealNumber: '3301060012346' },
      { kind: 'invoice', sealNumber: '3301060012347' },
    ],
    engraver: 'Xihu Seal Engraving Workshop',
    decidedAt: '2025-03-05T14:05:00+08:00',
  }),
  'tax.registration.completed': (applicationId = DEMO_APPLICATION_ID) => ({
    applicationId,
    unifiedSocialCreditCode: CREDIT_CODE,
    taxpayerType: 'small-scale',
    competentTaxAuthority: 'Xihu District Tax Service, Hangzhou',
    electronicInvoicingEnabled: true,
    decidedAt: '2025-03-06T11:20:00+08:00',
  }),
  'social-security.employer.registered': (applicationId = DEMO_APPLICATION_ID) => ({
    applicationId,
    unifiedSocialCreditCode: CREDIT_CODE,
    employerAccountNumber: 'HZ3301062025000731',
    insuranceTypes: ['pension', 'medical', 'unemployment', 'work-injury', 'maternity'],
    decidedAt: '2025-03-06T16:45:00+08:00',
  }),
  'housing-fund.account.opened': (applicationId = DEMO_APPLICATION_ID) => ({
    applicationId,
    unifiedSocialCreditCode: CREDIT_CODE,
    fundAccountNumber: '3301062025004188',
    depositBank: 'Bank of Hangzhou, Xihu Sub-branch',
    contributionRatePercent: { employer: 12, employee: 12 },
    decidedAt: '2025-03-07T09:50:00+08:00',
  }),
};

export function demoContract<T extends DemoContractType>(type: T): Extract<DemoContract, { type: T }> {
  const found = DEMO_CONTRACTS.find((contract) => contract.type === type);
  if (!found) throw new RangeError(`no demo contract of type ${JSON.stringify(type)}`);
  return found as Extract<DemoContract, { type: T }>;
}

export interface DemoEventOptions {
  readonly applicationId?: string;
  /** @default a random UUID */
  readonly id?: string;
  /** @default the time of the decision (or submission) in the sample data */
  readonly time?: string | Date;
}

/**
 * A ready-to-publish envelope of a demo contract, from its owning department. The application id is the
 * subject and the correlation id, so the six events of one application can be followed together.
 */
export function demoSampleEvent<T extends DemoContractType>(
  type: T,
  options: DemoEventOptions = {},
): CloudEvent<DataOf<Extract<DemoContract, { type: T }>>> {
  const applicationId = options.applicationId ?? DEMO_APPLICATION_ID;
  // Widened to the base contract: the lookup by `type` is what ties the data to this contract.
  const contract: Contract = demoContract(type);
  const data: DataOf<DemoContract> = DEMO_SAMPLE_DATA[type](applicationId);
  const occurredAt = 'decidedAt' in data ? data.decidedAt : data.submittedAt;
  const event = contract.event({
    id: options.id ?? globalThis.crypto.randomUUID(),
    time: options.time ?? occurredAt,
    subject: applicationId,
    correlationId: applicationId,
    data,
  });
  return event as CloudEvent<DataOf<Extract<DemoContract, { type: T }>>>;
}
