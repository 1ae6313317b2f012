import type { FastifyInstance } from 'fastify';

/** The API versions Octavia lists; the newest is CURRENT, the rest SUPPORTED. */
const VERSIONS: Array<[string, string]> = [
  ['v2.0', '2016-12-11'], ['v2.1', '2018-04-20'], ['v2.2', '2018-07-31'], ['v2.3', '2018-12-18'], ['v2.4', '2018-12-19'], ['v2.5', '2019-01-21'],
  ['v2.6', '2019-01-25'], ['v2.7', '2018-01-25'], ['v2.8', '2019-02-12'], ['v2.9', '2019-03-04'], ['v2.10', '2019-03-05'], ['v2.11', '2019-06-24'],
  ['v2.12', '2019-09-11'], ['v2.13', '2019-09-13'], ['v2.14', '2019-12-11'], ['v2.15', '2020-03-10'], ['v2.16', '2020-03-15'], ['v2.17', '2020-04-29'],
  ['v2.18', '2020-04-29'], ['v2.19', '2020-05-12'], ['v2.20', '2020-08-24'], ['v2.21', '2020-09-03'], ['v2.22', '2020-09-08'], ['v2.23', '2020-09-09'],
  ['v2.24', '2020-09-15'], ['v2.25', '2021-10-02'], ['v2.26', '2022-08-29'], ['v2.27', '2023-05-05'],
];

export function registerVersionRoutes(app: FastifyInstance, baseUrl: () => string): void {
  app.get('/', { config: { public: true } }, async () => ({
    versions: VERSIONS.map(([id, updated], i) => ({
      id,
      status: i === VERSIONS.length - 1 ? 'CURRENT' : 'SUPPORTED',
      updated: `${updated}T00:00:00Z`,
      links: [{ href: `${baseUrl()}/v2`, rel: 'self' }],
    })),
  }));
}
