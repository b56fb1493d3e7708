/**
 * ARM error answers: `{"error":{"code","message"}}` with the HTTP status Azure uses.
 * Messages follow the wording Azure returns (collected in ../../../shared/design/AZURE-FACTS.md and from
 * observed error bodies); where a code or message could not be verified, the builder says so in a comment.
 */

/** An error the emulator answers with; thrown anywhere in a handler, turned into the ARM body by the router. */
export class ArmError extends Error {
  override readonly name = 'ArmError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra headers for the answer (Retry-After on 429). */
    readonly headers: Record<string, string> = {},
    /** Inner errors, as ARM nests them (`RetryableError` with `RetryableErrorDueToAnotherOperation`). */
    readonly details: { code: string; message: string }[] = [],
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; details: { code: string; message: string }[] } } {
    return { error: { code: this.code, message: this.message, details: this.details.map((d) => ({ ...d })) } };
  }
}

export const authenticationMissing = (): ArmError =>
  new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");

export const authenticationMalformed = (): ArmError =>
  new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.");

export const missingApiVersion = (): ArmError =>
  new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');

export const unsupportedApiVersion = (type: string, apiVersion: string, supported: readonly string[], location: string): ArmError =>
  new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${type}'. ` +
      `The supported api-versions are '${supported.join(', ')}'. The supported locations are '${location}'.`,
  );

export const invalidApiVersionForResourceGroups = (apiVersion: string, supported: readonly string[]): ArmError =>
  new ArmError(
    400,
    'InvalidApiVersionParameter',
    `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(',')}'.`,
  );

/** ARM's answer for a type it knows nothing about; the emulator also uses it for types it does not emulate. */
export const invalidResourceType = (type: string, namespace: string, apiVersion: string): ArmError =>
  new ArmError(
    400,
    'InvalidResourceType',
    `The resource type '${type}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`,
  );

export const resourceGroupNotFound = (rg: string): ArmError =>
  new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);

/** ARM's 404 for a top-level resource. */
export const resourceNotFound = (typeName: string, name: string, rg: string): ArmError =>
  new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${typeName}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );

/** The network resource provider's 404 for a child resource (peering, subnet, zone group). */
export const childNotFound = (id: string): ArmError => new ArmError(404, 'NotFound', `Resource ${id} not found.`);

export const invalidRequestContent = (detail: string): ArmError =>
  new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${detail}'.`);

export const invalidRequestFormat = (detail: string): ArmError =>
  new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request. ${detail}`);

/** NRP's answer when a referenced resource (remote VNet, subnet, zone) does not exist. */
export const invalidResourceReference = (referenced: string, referencing: string): ArmError =>
  new ArmError(
    400,
    'InvalidResourceReference',
    `Resource ${referenced} referenced by resource ${referencing} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
  );

export const anotherOperationInProgress = (statusUrl: string): ArmError =>
  new ArmError(
    409,
    'AnotherOperationInProgress',
    `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${statusUrl}.`,
  );

export const preconditionFailedModified = (what: string, name: string): ArmError =>
  new ArmError(412, 'PreconditionFailed', `The ${what} ${name} has been modified (etag mismatch).`);

export const preconditionFailedExists = (what: string, name: string): ArmError =>
  new ArmError(412, 'PreconditionFailed', `The ${what} ${name} exists already and hence cannot be created again.`);
