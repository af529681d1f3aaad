// The logical IDs of the resources that hold data, pinned as deployed since 2026-12-03 at least. A construct moved or
// renamed changes its logical ID, and CloudFormation then creates a new resource and removes the old one: the
// registry table (Retain) would be left behind, the stack pointing at a new, empty one; the dead-letter queue and the
// archive (Delete) would be deleted with their messages and events; the bus, named, would fail the deploy.
import type { Template } from 'aws-cdk-lib/assertions';
import { removeAssemblies, synthesizeStack } from './synthesize.js';

let template: Template;

beforeAll(() => {
  ({ template } = synthesizeStack());
}, 120_000);

afterAll(removeAssemblies);

describe('stateful resources', () => {
  it.each([
    ['AWS::DynamoDB::Table', 'RegistryTableDB777839'],
    ['AWS::SQS::Queue', 'DeliveryDeadLettersQueueD2DC9C08'],
    ['AWS::Events::EventBus', 'EventBusEEC924FB'],
    ['AWS::Events::Archive', 'EventBusArchive5B309695'],
  ])('keep the logical ID of the %s a deployed stack has (%s)', (type, id) => {
    // THEN
    expect(Object.keys(template.findResources(type))).toEqual([id]);
  });
});
