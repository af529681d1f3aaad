export default async function globalTeardown() {
  await globalThis.__sharebusDynamoDb?.stop();
}
