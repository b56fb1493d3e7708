/**
 * The FirewallPort over @azure/arm-network: a firewall policy's rule collection groups (list, PUT replaces a group
 * whole, DELETE) and the FQDN tag list, one client per subscription. SDK types stop here; the domain sees
 * GroupContent with application rules only (the control plane writes nothing else into its own groups).
 */
import type { FirewallPolicyRuleCollectionGroup } from '@azure/arm-network';
import type { FirewallPort } from '../egress/ports';
import type { ApplicationRuleWire, GroupContent, RuleCollectionWire } from '../egress/spec';
import { classifyArmError } from './errors';
import { parseResourceId, resourceName } from './resource-id';
import { networkClients, type NetworkAdapterOptions } from './network-adapter';

function policyParts(policyId: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const id = parseResourceId(policyId);
  if (!id.resourceGroup) throw new Error(`${policyId} is not a firewall policy ID: it names no resource group.`);
  return { subscriptionId: id.subscriptionId, resourceGroup: id.resourceGroup, name: resourceName(id) };
}

type WireCollection = { ruleCollectionType?: string; name?: string; priority?: number; action?: { type?: string }; rules?: Array<Record<string, unknown>> };

/** The group as the domain sees it: its filter collections' application rules. */
export function groupContent(group: FirewallPolicyRuleCollectionGroup): GroupContent {
  const collections = (group.ruleCollections ?? []) as WireCollection[];
  return {
    name: group.name ?? '',
    priority: group.priority ?? 0,
    ruleCollections: collections
      .filter((c) => c.ruleCollectionType === 'FirewallPolicyFilterRuleCollection')
      .map(
        (c): RuleCollectionWire => ({
          ruleCollectionType: 'FirewallPolicyFilterRuleCollection',
          name: c.name ?? '',
          priority: c.priority ?? 0,
          action: { type: 'Allow' },
          rules: (c.rules ?? [])
            .filter((r) => r['ruleType'] === 'ApplicationRule')
            .map((r) => {
              const protocols = (r['protocols'] ?? []) as Array<{ protocolType?: string; port?: number }>;
              const targetFqdns = r['targetFqdns'] as string[] | undefined;
              const fqdnTags = r['fqdnTags'] as string[] | undefined;
              return {
                ruleType: 'ApplicationRule',
                name: String(r['name'] ?? ''),
                sourceAddresses: (r['sourceAddresses'] ?? []) as string[],
                protocols: protocols.map((p) => ({ protocolType: (p.protocolType ?? 'Https') as ApplicationRuleWire['protocols'][number]['protocolType'], port: p.port ?? 0 })),
                ...(targetFqdns && targetFqdns.length > 0 ? { targetFqdns } : {}),
                ...(fqdnTags && fqdnTags.length > 0 ? { fqdnTags } : {}),
              };
            }),
        }),
      ),
  };
}

export function createFirewallAdapter(options: NetworkAdapterOptions): FirewallPort {
  const client = networkClients(options);
  return {
    async listGroups(policyId, isOwn) {
      const p = policyParts(policyId);
      const groups: GroupContent[] = [];
      for await (const g of client(p.subscriptionId).firewallPolicyRuleCollectionGroups.list(p.resourceGroup, p.name)) {
        if (isOwn(g.name ?? '')) groups.push(groupContent(g));
      }
      return groups;
    },
    async putGroup(policyId, group) {
      const p = policyParts(policyId);
      await client(p.subscriptionId).firewallPolicyRuleCollectionGroups.createOrUpdate(
        p.resourceGroup,
        p.name,
        group.name,
        // The SDK's union types name every rule kind; ours are application rules only.
        { priority: group.priority, ruleCollections: group.ruleCollections as unknown as FirewallPolicyRuleCollectionGroup['ruleCollections'] },
        options.lro,
      );
    },
    async deleteGroup(policyId, name) {
      const p = policyParts(policyId);
      try {
        await client(p.subscriptionId).firewallPolicyRuleCollectionGroups.delete(p.resourceGroup, p.name, name, options.lro);
      } catch (e) {
        if (classifyArmError(e).class !== 'notFound') throw e;
      }
    },
    async listFqdnTags(subscriptionId) {
      const tags: string[] = [];
      for await (const t of client(subscriptionId).azureFirewallFqdnTags.listAll()) if (t.fqdnTagName) tags.push(t.fqdnTagName);
      return tags;
    },
  };
}
