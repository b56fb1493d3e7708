#!/usr/bin/env sh
# azd preprovision: refuse to deploy the placeholder topology, and validate infra/topology.json with the control
# plane's own validator (the app would refuse it at start anyway; this says so before anything is created).
set -eu
cd "$(dirname "$0")/../.."
if grep -q '00000000-0000-0000-0000-0000000000' infra/topology.json; then
  echo "infra/topology.json still holds the placeholder subscriptions: put your watched subscriptions, hubs and" >&2
  echo "private DNS zones there first (README, Deploy to Azure)." >&2
  exit 1
fi
npm run build --silent
node -e "
const { topologyDocumentSchema } = require('./dist/shared/config');
const result = topologyDocumentSchema.safeParse(require('./infra/topology.json'));
if (!result.success) {
  for (const issue of result.error.issues) console.error('infra/topology.json: ' + (issue.path.join('.') || '(document)') + ': ' + issue.message);
  process.exit(1);
}"
