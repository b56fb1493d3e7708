/**
 * Microsoft.Network/firewallPolicies, their ruleCollectionGroups, and the azureFirewallFqdnTags list: pure
 * declarations over generic records (../resourceTypes.ts), with the body schemas below.
 *
 * What Azure does and the emulator keeps:
 * - A rule collection group is replaced whole by PUT (no PATCH), as a long-running operation (minutes in Azure; the
 *   nominal duration in options.ts, scaled by the time scale). While it runs the parent policy is `Updating`, and any
 *   other write to the policy or one of its groups gets 409 AnotherOperationInProgress: one policy takes one update
 *   at a time (Azure Firewall docs, "Firewall Policy rule sets"; the 409 code is the one NRP gives for a busy
 *   resource, its exact wording for policies is unverified).
 * - Group and collection priorities 100-65000; names unique per group / collection (Azure Firewall limits).
 * - A group is at most 2 MB (Azure Firewall limits, "Maximum size of a rule collection group"); `size` is reported
 *   as "x.xxx MB" (format unverified). The error code for a too-large group is unverified.
 * - Application rule protocols Http | Https | Mssql with port 1-65535; FQDN tags need Https
 *   (https://learn.microsoft.com/azure/firewall/fqdn-tags). Model: @azure/arm-network 39 `ApplicationRule`,
 *   `FirewallPolicyFilterRuleCollection`, `FirewallPolicyRuleCollectionGroup`.
 */
import { z } from 'zod';
import type { ArmResponse, EmulatorCore, RequestContext } from '../context';
import { pagedAnswer } from '../context';
import { ArmError } from '../errors';
import { genericType, type PropertiesSchema } from '../resourceTypes';

export const FIREWALL_POLICY_TYPE = 'Microsoft.Network/firewallPolicies';
export const RULE_COLLECTION_GROUP_TYPE = 'Microsoft.Network/firewallPolicies/ruleCollectionGroups';
export const FQDN_TAG_TYPE = 'Microsoft.Network/azureFirewallFqdnTags';

/** Azure Firewall's limit on one rule collection group. */
export const MAX_RULE_COLLECTION_GROUP_BYTES = 2 * 1024 * 1024;

/**
 * FQDN tags Microsoft documents (https://learn.microsoft.com/azure/firewall/fqdn-tags); the live list comes from
 * `azureFirewallFqdnTags.listAll()`. Tags documented only for Microsoft 365 and Windows 365 are left out (unverified).
 */
export const FQDN_TAGS: readonly string[] = [
  'WindowsUpdate',
  'WindowsDiagnostics',
  'MicrosoftActiveProtectionService',
  'AppServiceEnvironment',
  'AzureBackup',
  'AzureHDInsight',
  'WindowsVirtualDesktop',
  'AzureKubernetesService',
];

/** Turns a zod failure into the 400 NRP answers for a bad body, naming each field. */
function schemaOf<T extends z.ZodType>(schema: T, what: string): (properties: Record<string, unknown>) => z.infer<T> {
  return (properties) => {
    const parsed = schema.safeParse(properties);
    if (parsed.success) return parsed.data;
    const detail = parsed.error.issues.map((i) => `${['properties', ...i.path].join('.')}: ${i.message}`).join('; ');
    // Code unverified; NRP answers schema violations with 400 and a message naming the property.
    throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request. ${what}: ${detail}`);
  };
}

const priority = z.number().int().min(100).max(65000);

const applicationProtocol = z.object({
  protocolType: z.enum(['Http', 'Https', 'Mssql']),
  port: z.number().int().min(1).max(65535),
});

const applicationRule = z
  .object({
    ruleType: z.literal('ApplicationRule'),
    name: z.string().min(1).max(260),
    description: z.string().optional(),
    sourceAddresses: z.array(z.string()).optional(),
    sourceIpGroups: z.array(z.string()).optional(),
    protocols: z.array(applicationProtocol).min(1),
    targetFqdns: z.array(z.string().min(1)).optional(),
    fqdnTags: z.array(z.string().min(1)).optional(),
    targetUrls: z.array(z.string()).optional(),
    webCategories: z.array(z.string()).optional(),
    destinationAddresses: z.array(z.string()).optional(),
    terminateTLS: z.boolean().optional(),
  })
  .passthrough()
  .superRefine((rule, ctx) => {
    if ((rule.sourceAddresses ?? []).length === 0 && (rule.sourceIpGroups ?? []).length === 0) {
      ctx.addIssue({ code: 'custom', message: `rule '${rule.name}' needs sourceAddresses or sourceIpGroups` });
    }
    const targets = [rule.targetFqdns, rule.fqdnTags, rule.targetUrls, rule.webCategories].filter((t) => (t ?? []).length > 0);
    if (targets.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `rule '${rule.name}' needs exactly one of targetFqdns, fqdnTags, targetUrls, webCategories` });
    }
    const unknownTags = (rule.fqdnTags ?? []).filter((t) => !FQDN_TAGS.some((k) => k.toLowerCase() === t.toLowerCase()));
    if (unknownTags.length > 0) ctx.addIssue({ code: 'custom', message: `rule '${rule.name}': unknown FQDN tag(s) ${unknownTags.join(', ')}` });
    if ((rule.fqdnTags ?? []).length > 0 && rule.protocols.some((p) => p.protocolType !== 'Https')) {
      ctx.addIssue({ code: 'custom', message: `rule '${rule.name}': FQDN tags need protocol Https` });
    }
  });

/** Network and NAT rules are carried as sent (the control plane writes application rules only). */
const otherRule = z.object({ ruleType: z.enum(['NetworkRule', 'NatRule']), name: z.string().min(1) }).passthrough();

const ruleCollection = z
  .object({
    ruleCollectionType: z.enum(['FirewallPolicyFilterRuleCollection', 'FirewallPolicyNatRuleCollection']),
    name: z.string().min(1),
    priority,
    action: z.object({ type: z.enum(['Allow', 'Deny', 'DNAT']) }).optional(),
    rules: z.array(z.discriminatedUnion('ruleType', [applicationRule, otherRule])).default([]),
  })
  .passthrough()
  .superRefine((collection, ctx) => {
    const names = collection.rules.map((r) => r.name.toLowerCase());
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', message: `rule collection '${collection.name}' has two rules named '${duplicate}'` });
  });

const ruleCollectionGroupProperties = z
  .object({
    priority,
    ruleCollections: z.array(ruleCollection).default([]),
  })
  .strict()
  .superRefine((group, ctx) => {
    const names = group.ruleCollections.map((c) => c.name.toLowerCase());
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', message: `two rule collections are named '${duplicate}'` });
  });

const firewallPolicyProperties = z
  .object({
    threatIntelMode: z.enum(['Alert', 'Deny', 'Off']).optional(),
    sku: z.object({ tier: z.enum(['Basic', 'Standard', 'Premium']) }).optional(),
    basePolicy: z.object({ id: z.string() }).optional(),
  })
  .passthrough();

/** The size Azure reports for a group (the JSON of its rule collections). */
export function ruleCollectionGroupBytes(properties: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(properties['ruleCollections'] ?? []), 'utf8');
}

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(3)} MB`;

const groupSchema = schemaOf(ruleCollectionGroupProperties, 'Rule collection group');
const ruleCollectionGroupSchema: PropertiesSchema = (properties, input) => {
  const parsed = groupSchema(properties) as Record<string, unknown>;
  const bytes = ruleCollectionGroupBytes(parsed);
  if (bytes > MAX_RULE_COLLECTION_GROUP_BYTES) {
    // Code unverified; the 2 MB limit per rule collection group is documented.
    throw new ArmError(
      400,
      'FirewallPolicyRuleCollectionGroupSizeExceeded',
      `Rule collection group ${input.id} is ${megabytes(bytes)}; a rule collection group can be at most ${megabytes(MAX_RULE_COLLECTION_GROUP_BYTES)}.`,
    );
  }
  return parsed;
};

export const firewallPolicyDeclaration = genericType({
  type: FIREWALL_POLICY_TYPE,
  path: ['firewallPolicies'],
  lro: 'firewallPolicies',
  tracked: true,
  listBySubscription: true,
  properties: schemaOf(firewallPolicyProperties, 'Firewall policy') as PropertiesSchema,
  readOnlyProperties: ['ruleCollectionGroups', 'firewalls', 'childPolicies', 'size'],
  computed: (core, policy) => ({
    ruleCollectionGroups: [...core.state.resources.values()]
      .filter((r) => r.type === RULE_COLLECTION_GROUP_TYPE && r.parentKey === policy.id.toLowerCase())
      .map((r) => ({ id: r.id })),
    firewalls: [],
    childPolicies: [],
  }),
});

export const ruleCollectionGroupDeclaration = genericType({
  type: RULE_COLLECTION_GROUP_TYPE,
  path: ['firewallPolicies', 'ruleCollectionGroups'],
  parent: firewallPolicyDeclaration,
  lro: 'ruleCollectionGroups',
  tracked: false,
  parentUpdating: true,
  // One policy takes one update at a time: a group's write holds its policy.
  lockScope: (r) => [r.parentKey ?? r.id.toLowerCase()],
  properties: ruleCollectionGroupSchema,
  readOnlyProperties: ['size'],
  computed: (_core, group) => ({ size: megabytes(ruleCollectionGroupBytes(group.properties)) }),
});

function fqdnTagWire(subscriptionId: string, tag: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${subscriptionId}/providers/${FQDN_TAG_TYPE}/${tag}`,
    name: tag,
    type: FQDN_TAG_TYPE,
    properties: { provisioningState: 'Succeeded', fqdnTagName: tag },
  };
}

/** GET /subscriptions/{s}/providers/Microsoft.Network/azureFirewallFqdnTags (paged). */
export function listFqdnTags(core: EmulatorCore, ctx: RequestContext): ArmResponse {
  return pagedAnswer(core, ctx, FQDN_TAGS.map((t) => fqdnTagWire(ctx.subscriptionId, t)));
}
