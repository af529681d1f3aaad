import { SUBSCRIPTION_RULE_PREFIX } from '../../../functions/routes.js';
import type { Subscription } from '../../../functions/shared/registry/registry.js';
import {
  eventPatternFor,
  ruleNameFor,
  subscriptionView,
} from '../../../functions/subscriptions/subscriptions.js';

const TYPE = 'tax.company.registered';

describe('eventPatternFor', () => {
  // These pin the pattern every subscription's rule in AWS was made with: a deploy does not put rules again, so a
  // change here needs a migration of the existing rules, not only new expectations (docs/deploy.md).
  it('matches the owner’s source, the type as detail-type and the major version’s dataschema prefix', () => {
    // Act
    const pattern = JSON.parse(eventPatternFor({ type: TYPE, ownerDepartment: 'tax', major: 1 }));
    // Assess
    expect(pattern).toEqual({
      source: ['sharebus.tax'],
      'detail-type': [TYPE],
      detail: { dataschema: [{ prefix: `urn:sharebus:contract:${TYPE}:1.` }] },
    });
  });

  it('puts the content filter under detail.data, where the envelope carries the record', () => {
    // Prepare
    const filter = { municipality: ['Tartu'], employees: [{ numeric: ['>=', 10] }] };
    // Act
    const pattern = JSON.parse(eventPatternFor({ type: TYPE, ownerDepartment: 'tax', major: 3 }, filter));
    // Assess
    expect(pattern.detail).toEqual({
      dataschema: [{ prefix: `urn:sharebus:contract:${TYPE}:3.` }],
      data: filter,
    });
  });
});

describe('ruleNameFor', () => {
  it('names the rule with the prefix reconcile looks for, within EventBridge’s 64 characters', () => {
    // Act
    const name = ruleNameFor('1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    // Assess
    expect(name).toBe(`${SUBSCRIPTION_RULE_PREFIX}1b4e28ba-2fa1-11d2-883f-0016d3cca427`);
    expect(name.length).toBeLessThanOrEqual(64);
  });
});

describe('subscriptionView', () => {
  it('shows the subscription without the internal rule name', () => {
    // Prepare
    const subscription: Subscription = {
      id: 's1',
      type: TYPE,
      major: 1,
      version: '1.2.0',
      endpoint: { url: 'https://example.org/hook' },
      departmentId: 'housing',
      systemId: 'grants',
      ruleName: 'sharebus-sub-s1',
      status: 'active',
      createdAt: '2025-01-01T00:00:00.000Z',
    };
    // Act
    const view = subscriptionView(subscription);
    // Assess
    expect(view).toEqual({
      id: 's1',
      type: TYPE,
      version: '1.2.0',
      major: 1,
      endpoint: { url: 'https://example.org/hook' },
      department: 'housing',
      system: 'grants',
      status: 'active',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
  });

  // Mutation review, 2026-12-07: dropping the filter from the view passed every test; a subscriber then could not
  // see, in GET /subscriptions or the 201 answer, which events a subscription of theirs receives.
  it('shows the content filter of a filtered subscription as stored', () => {
    // Prepare
    const filter = {
      municipality: ['Tartu'],
      $or: [{ employees: [{ numeric: ['>=', 10] }] }, { large: [true] }],
    };
    const subscription: Subscription = {
      id: 's2',
      type: TYPE,
      major: 1,
      version: '1.2.0',
      filter,
      endpoint: { url: 'https://example.org/hook' },
      departmentId: 'housing',
      systemId: 'grants',
      ruleName: 'sharebus-sub-s2',
      status: 'active',
      createdAt: '2025-01-01T00:00:00.000Z',
    };
    // Act
    const view = subscriptionView(subscription);
    // Assess
    expect(view.filter).toEqual(filter);
  });
});
