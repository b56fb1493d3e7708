/**
 * The function app's entry point (package.json `main`): importing a module registers its functions, as the
 * Azure Functions Node.js v4 model does.
 */
import { app } from '@azure/functions';
import { currentConfig } from '../shared/config';
import { observeRecords, startAzureMonitor } from '../shared/telemetry';
import { flowDeps } from '../orchestrations/common/deps';

// Telemetry first: in Azure (APPLICATIONINSIGHTS_CONNECTION_STRING set) the Azure Monitor distro, with the Azure SDK's
// spans for ARM requests; locally the embedded default registered its providers before loading the app.
startAzureMonitor();
// The gauges read from the records (resources by condition, egress requests, stamps) at each collection.
observeRecords((kind) => flowDeps().store.listRecords(kind));
import '../orchestrations/peering';
import '../orchestrations/dns';
import '../orchestrations/stamps';
import './resourceEvents';
import './spokes';
import './endpoints';
import './stamps';
import '../orchestrations/egress';
import '../orchestrations/drift';
import './resourceEvents';
import './spokes';
import './endpoints';
import './egress';
import './console';
import './drift';

// A bad configuration fails the start, with one line per problem naming the setting or field.
app.hook.appStart(() => {
  currentConfig();
});
