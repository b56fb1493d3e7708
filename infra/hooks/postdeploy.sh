#!/usr/bin/env sh
# azd postdeploy: the second stage. The Event Grid subscriptions point at the app's resourceEvents function, which
# exists only once the code is deployed (an AzureFunction destination is validated at creation). Uses the Azure CLI
# (az login as a principal that may create system topics in every watched and hub subscription).
set -eu
cd "$(dirname "$0")/../.."
: "${AZURE_FUNCTION_APP_ID:?run azd provision first (main.bicep output AZURE_FUNCTION_APP_ID)}"
: "${AZURE_LOCATION:?}"
: "${AZURE_ENV_NAME:?}"
az deployment sub create \
  --name "hubspoke-events-${AZURE_ENV_NAME}" \
  --location "${AZURE_LOCATION}" \
  --template-file infra/events.bicep \
  --parameters functionAppId="${AZURE_FUNCTION_APP_ID}" location="${AZURE_LOCATION}" \
  --output none
echo "Event Grid subscriptions deployed for ${AZURE_FUNCTION_APP_ID}"
