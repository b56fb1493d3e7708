/**
 * The privatelink zone of each (target resource type, groupId) the demo topology uses, from the Learn page
 * "Azure Private Endpoint private DNS zone values". Deliberately only the demo's five zones: the control plane's own
 * complete mapping lives in shared/; this table only lets the topology validator say when a zone group would point
 * at a zone the topology does not create.
 */
const zoneByTypeAndGroup: Record<string, Record<string, string>> = {
  'microsoft.storage/storageaccounts': { blob: 'privatelink.blob.core.windows.net' },
  'microsoft.keyvault/vaults': { vault: 'privatelink.vaultcore.azure.net' },
  'microsoft.documentdb/databaseaccounts': { sql: 'privatelink.documents.azure.com' },
  'microsoft.containerregistry/registries': { registry: 'privatelink.azurecr.io' },
  'microsoft.servicebus/namespaces': { namespace: 'privatelink.servicebus.windows.net' },
  'microsoft.eventhub/namespaces': { namespace: 'privatelink.servicebus.windows.net' },
};

/** `Microsoft.Storage/storageAccounts` from a resource ID (the type of its last provider segment pair). */
export function resourceTypeOf(resourceId: string): string | undefined {
  const match = /\/providers\/([^/]+)\/([^/]+)\/[^/]+$/i.exec(resourceId);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** The privatelink zone for a target and groupId, or undefined when the demo does not know it. */
export function privateLinkZoneFor(targetResourceId: string, groupId: string): string | undefined {
  const type = resourceTypeOf(targetResourceId)?.toLowerCase();
  if (type === undefined) return undefined;
  return zoneByTypeAndGroup[type]?.[groupId.toLowerCase()];
}
