import { ROUTES } from '../../../functions/routes.js';
import { matchRoute } from '../../../local/front-door.js';

/** A concrete path for a route template, with `sample-<name>` for each parameter. */
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => `sample-${name}`);

describe('matchRoute', () => {
  it.each(ROUTES.map((route) => [route.routeKey, route] as const))(
    'matches %s to its own route',
    (_, route) => {
      // Act
      const matched = matchRoute(route.method, concrete(route.path));
      // Assess
      expect(matched?.route).toBe(route);
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      expect(matched?.pathParameters).toEqual(
        Object.fromEntries(names.map((name) => [name, `sample-${name}`])),
      );
    },
  );

  it('tells the collection from one of its members', () => {
    // Act
    const list = matchRoute('GET', '/contracts');
    const one = matchRoute('GET', '/contracts/tax.company.registered');
    // Assess
    expect(list?.route.routeKey).toBe('GET /contracts');
    expect(one?.route.routeKey).toBe('GET /contracts/{type}');
    expect(one?.pathParameters).toEqual({ type: 'tax.company.registered' });
  });

  it('decodes the path twice before routing it, as API Gateway does', () => {
    // Act
    const spaced = matchRoute('DELETE', '/subscriptions/a%20b%2520c');
    const slashed = matchRoute('DELETE', '/subscriptions/a%2Fb');
    const twiceSlashed = matchRoute('DELETE', '/subscriptions/a%252Fb');
    const questioned = matchRoute('DELETE', '/subscriptions/a%3Fb');
    const unicode = matchRoute('GET', '/contracts/%C3%A9');
    // Assess
    expect(spaced).toMatchObject({ pathParameters: { id: 'a b c' }, path: '/subscriptions/a b c' });
    expect(slashed).toBeUndefined();
    expect(twiceSlashed).toBeUndefined();
    expect(questioned).toMatchObject({ pathParameters: { id: 'a' }, path: '/subscriptions/a' });
    expect(unicode?.pathParameters).toEqual({ type: '\u00e9' });
  });

  it.each(['/contracts/%25', '/contracts/a%25zz', '/contracts/%', '/contracts/%E9'])(
    'refuses %s, which does not decode twice, with URIError',
    (path) => {
      // Act
      const act = () => matchRoute('GET', path);
      // Assess
      expect(act).toThrow(URIError);
    },
  );

  it.each([
    { method: 'PUT', path: '/contracts' },
    { method: 'DELETE', path: '/contracts/tax.company.registered' },
    { method: 'GET', path: '/events' },
    { method: 'POST', path: '/health' },
  ])('answers undefined for $method $path, a path served only by other methods', ({ method, path }) => {
    // Act
    const matched = matchRoute(method, path);
    // Assess
    expect(matched).toBeUndefined();
  });

  it.each([
    { method: 'GET', path: '/nowhere' },
    { method: 'GET', path: '/contracts/' },
    { method: 'POST', path: '/departments/tax/systems/extra' },
    { method: 'DELETE', path: '/subscriptions/' },
    { method: 'DELETE', path: '/subscriptions/a/b' },
  ])('answers undefined for $method $path, which no route has', ({ method, path }) => {
    // Act
    const matched = matchRoute(method, path);
    // Assess
    expect(matched).toBeUndefined();
  });
});
