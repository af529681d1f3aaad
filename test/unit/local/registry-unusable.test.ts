import { DataDirUnusableError } from '../../../local/data-lock.js';
import { DynamoDbLocalStartError } from '../../../local/dynamodb/launcher.js';
import { diskNearlyFull, registryUnusable } from '../../../local/runtime.js';

describe('registryUnusable', () => {
  it('says a full disk is full, with what to do, rather than to move the registry aside (disk-full review)', () => {
    // Act: SQLite's words as DynamoDB Local logged them when a start found a few KB free
    const error = registryUnusable('/srv/sharebus', 'database or disk is full', new Error('InternalFailure'));
    // Assess
    expect(error).toBeInstanceOf(DataDirUnusableError);
    expect(error.message).toBe(
      'the state directory /srv/sharebus cannot be written: the disk it is on is full (SQLite: database or disk is full): free some space there, or name another',
    );
  });

  it('says a database SQLite cannot read cannot be read, and how to start anyway', () => {
    // Act
    const error = registryUnusable('/srv/sharebus', 'unsupported file format', new Error('InternalFailure'));
    // Assess
    expect(error).toBeInstanceOf(DynamoDbLocalStartError);
    expect(error.message).toBe(
      "DynamoDB Local cannot read the registry's database in /srv/sharebus/dynamodb (SQLite: unsupported file format). Move that directory aside to start with an empty registry, or put back a copy that reads.",
    );
  });
});

describe('diskNearlyFull', () => {
  it('says the disk is full, how much is free, what to do, and what failed', () => {
    // Act
    const error = diskNearlyFull(
      '/srv/sharebus',
      16 * 1024,
      Object.assign(new Error('The request processing has failed because of an unknown error.'), {
        name: 'InternalFailure',
      }),
    );
    // Assess
    expect(error).toBeInstanceOf(DataDirUnusableError);
    expect(error.message).toBe(
      'the state directory /srv/sharebus cannot be written: the disk it is on is full (16 KB free): free some space there, or name another (the start failed with InternalFailure: The request processing has failed because of an unknown error.)',
    );
  });
});
