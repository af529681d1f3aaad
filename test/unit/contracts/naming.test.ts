import fc from 'fast-check';
import {
  CONTRACT_TYPE_MAX_LENGTH,
  ContractTypeSchema,
  compareSemver,
  DepartmentIdSchema,
  InvalidVersionError,
  majorOf,
  SemverSchema,
  SharingSchema,
  SystemIdSchema,
} from '../../../contracts/index.js';

function messageOf(result: { success: boolean; error?: { issues: { message: string }[] } }): string {
  return result.error?.issues.map((issue) => issue.message).join('; ') ?? '';
}

describe('DepartmentIdSchema and SystemIdSchema', () => {
  it.each(['tax', 'housing-fund', 'a1', `a${'b'.repeat(62)}`])('accept %p', (id) => {
    // Act + Assess
    expect(DepartmentIdSchema.safeParse(id).success).toBe(true);
    expect(SystemIdSchema.safeParse(id).success).toBe(true);
  });

  it.each([
    ['Tax', 'must start with a lowercase letter'],
    ['1tax', 'must start with a lowercase letter'],
    ['t', 'must be 2 to 63 characters long, got 1'],
    [`a${'b'.repeat(63)}`, 'must be 2 to 63 characters long, got 64'],
    ['tax_bureau', 'contains "_"'],
    ['tax.bureau', 'contains "."'],
  ])('reject %p naming the fault', (id, fault) => {
    // Act
    const result = DepartmentIdSchema.safeParse(id);

    // Assess
    expect(result.success).toBe(false);
    expect(messageOf(result)).toContain(`department id ${JSON.stringify(id)}`);
    expect(messageOf(result)).toContain(fault);
  });

  it('says a system id is a system id', () => {
    // Act
    const result = SystemIdSchema.safeParse('Portal');

    // Assess
    expect(messageOf(result)).toBe('system id "Portal" must start with a lowercase letter (a-z)');
  });

  it('rejects a value that is not a string', () => {
    // Act
    const result = DepartmentIdSchema.safeParse(42);

    // Assess
    expect(messageOf(result)).toBe('department id must be a string, got 42');
  });
});

describe('ContractTypeSchema', () => {
  it.each(['tax.registration.completed', 'a.b', 'housing-fund.account.opened', 'x1.y-2'])(
    'accepts %p',
    (type) => {
      expect(ContractTypeSchema.safeParse(type).success).toBe(true);
    },
  );

  it.each([
    ['registration', 'at least two dot-separated segments'],
    ['tax..completed', 'empty segment at position 2'],
    ['tax.registration.', 'empty segment at position 3'],
    ['Tax.registration', 'segment "Tax"'],
    ['tax.1registration', 'segment "1registration"'],
    ['tax.registration_completed', 'segment "registration_completed"'],
  ])('rejects %p naming the fault', (type, fault) => {
    // Act
    const result = ContractTypeSchema.safeParse(type);

    // Assess
    expect(result.success).toBe(false);
    expect(messageOf(result)).toContain(`contract type ${JSON.stringify(type)}`);
    expect(messageOf(result)).toContain(fault);
  });

  it('rejects a type longer than an EventBridge detail-type with one message', () => {
    // Prepare
    const type = `a.${'b'.repeat(CONTRACT_TYPE_MAX_LENGTH - 1)}`;

    // Act
    const result = ContractTypeSchema.safeParse(type);

    // Assess
    expect(result.error?.issues).toHaveLength(1);
    expect(messageOf(result)).toContain(
      `is ${CONTRACT_TYPE_MAX_LENGTH + 1} characters long; the limit is 128`,
    );
  });
});

describe('SemverSchema', () => {
  it.each(['0.0.0', '1.0.0', '1.10.0', '10.20.30', '9999999999.0.9999999999'])('accepts %p', (version) => {
    expect(SemverSchema.safeParse(version).success).toBe(true);
  });

  it.each([
    ['1.0', 'must have three parts'],
    ['1.0.0.0', 'must have three parts'],
    ['01.0.0', 'part "01" with a leading zero'],
    ['1.00.0', 'part "00" with a leading zero'],
    ['1.x.0', 'part "x" that is not a number'],
    ['1.-1.0', 'part "-1" that is not a number'],
    ['1.0.0-rc.1', 'pre-release or build suffix'],
    ['1.0.0+build.5', 'pre-release or build suffix'],
    ['99999999999999999.0.0', 'longer than 10 digits'],
    ['1.0.12345678901', 'longer than 10 digits'],
  ])('rejects %p naming the fault', (version, fault) => {
    // Act
    const result = SemverSchema.safeParse(version);

    // Assess
    expect(result.success).toBe(false);
    expect(messageOf(result)).toContain(`version ${JSON.stringify(version)}`);
    expect(messageOf(result)).toContain(fault);
  });
});

describe('SharingSchema', () => {
  it('accepts the three sharing levels', () => {
    expect(
      ['open', 'conditional', 'restricted'].map((level) => SharingSchema.safeParse(level).success),
    ).toEqual([true, true, true]);
  });

  it('rejects another level and lists the allowed ones', () => {
    expect(messageOf(SharingSchema.safeParse('public'))).toBe(
      'sharing "public" must be one of open, conditional, restricted',
    );
  });
});

describe('compareSemver and majorOf', () => {
  it('compares numerically, not as text', () => {
    // Act + Assess
    expect(compareSemver('1.10.0', '1.9.0')).toBe(1);
    expect(compareSemver('1.9.0', '1.10.0')).toBe(-1);
    expect(compareSemver('2.0.0', '10.0.0')).toBe(-1);
    expect(compareSemver('1.2.3', '1.2.3')).toBe(0);
    expect(compareSemver('1.2.10', '1.2.9')).toBe(1);
  });

  it('sorts versions into release order', () => {
    expect(['1.10.0', '1.2.0', '0.9.9', '1.9.1', '1.9.0'].sort(compareSemver)).toEqual([
      '0.9.9',
      '1.2.0',
      '1.9.0',
      '1.9.1',
      '1.10.0',
    ]);
  });

  it('orders every pair of versions like their number triples, and is antisymmetric', () => {
    const part = fc.nat({ max: 1_000_000 });
    const triple = fc.tuple(part, part, part);
    fc.assert(
      fc.property(triple, triple, (a, b) => {
        // Prepare
        const expected = Math.sign(a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);

        // Act
        const actual = compareSemver(a.join('.'), b.join('.'));

        // Assess
        return actual === expected && compareSemver(b.join('.'), a.join('.')) === -expected;
      }),
    );
  });

  it('gives the major version', () => {
    expect(majorOf('0.4.1')).toBe(0);
    expect(majorOf('12.0.3')).toBe(12);
  });

  it('throws InvalidVersionError naming a bad version', () => {
    // Act
    const act = () => compareSemver('1.0.0', 'v2');

    // Assess
    expect(act).toThrow(InvalidVersionError);
    expect(act).toThrow('version "v2" must have three parts, MAJOR.MINOR.PATCH');
  });
});
