/**
 * The function app's entry point (package.json `main`): importing a module registers its functions, as the
 * Azure Functions Node.js v4 model does.
 */
import { app } from '@azure/functions';
import { currentConfig } from '../shared/config';
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
import './drift';

// A bad configuration fails the start, with one line per problem naming the setting or field.
app.hook.appStart(() => {
  currentConfig();
});
