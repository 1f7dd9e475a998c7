import type { ReadersOf } from './reader.js';
import { refName } from './refs.js';
import { T } from './resource-types.js';
import type { NatFact, RouterFact } from './types.js';

/* Cloud Routers and the Cloud NATs on them: the perimeter's other way out to the internet. */

export function routers(of: ReadersOf): RouterFact[] {
  return of(T.router).map((r) => ({
    name: r.name(),
    ref: r.selfRef(),
    network: r.ref('network') ?? '',
    region: r.str('region'),
  }));
}

/** NATs, each placed on its router's network when that router is among `allRouters`. */
export function nats(of: ReadersOf, allRouters: readonly RouterFact[]): NatFact[] {
  return of(T.nat).map((r) => {
    const router = r.str('router') ?? '';
    const region = r.str('region');
    const owner = allRouters.find(
      (x) => refName(x.ref) === refName(router) && (region === undefined || x.region === region),
    );
    return {
      name: r.name(),
      router: refName(router),
      network: owner?.network,
      region,
      coverage: r.str('sourceSubnetworkIpRangesToNat') ?? '',
      subnetworks: r.objects('subnetworks').map((s) => ({
        subnetwork: s.ref('name') ?? '',
        ranges: s.strings('sourceIpRangesToNats'),
      })),
      logged: r.object('logConfig')?.bool('enable') ?? false,
    };
  });
}
