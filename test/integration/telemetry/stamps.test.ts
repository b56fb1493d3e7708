/** Telemetry of the stamps flow on the embedded default: an ejection counts, and the stamps gauge shows it out. */
import { METRICS } from '../../../shared/telemetry';
import { startStampWorld, until, type StampWorld } from '../stamps/support';
import { counted, newTelemetry, points } from './support';

describe('stamp telemetry on the embedded default', () => {
  let world: StampWorld;
  const telemetry = newTelemetry();

  beforeAll(async () => {
    world = await startStampWorld({}, undefined, telemetry.options);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('a stamp ejected counts once in the ejections and shows Ejected in the stamps by state', async () => {
    await until('every stamp Healthy', async () => {
      const healthy = (await points(telemetry.reader, METRICS.stamps.name)).find((p) => p.attributes['state'] === 'Healthy');
      return healthy && healthy.value >= 2 ? healthy : undefined;
    });
    expect(await counted(telemetry.reader, METRICS.stampEjections.name)).toBe(0);
    await world.setHealth('weu-1', 503);
    await until('weu-1 ejected', async () => ((await world.stamp('weu-1'))['state'] === 'Ejected' ? true : undefined));
    const ejected = await until('the stamps gauge to show one Ejected', async () => {
      const p = (await points(telemetry.reader, METRICS.stamps.name)).find((x) => x.attributes['state'] === 'Ejected');
      return p && p.value === 1 ? p : undefined;
    });
    expect(ejected.value).toBe(1);
    expect(await counted(telemetry.reader, METRICS.stampEjections.name, { stamp: 'weu-1' })).toBe(1);
    expect(await counted(telemetry.reader, METRICS.stampEjections.name)).toBe(1);
    await world.setHealth('weu-1', 200);
  });
});
