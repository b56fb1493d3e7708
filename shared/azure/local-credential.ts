/**
 * A fixed TokenCredential for the local ARM emulator. Local mode never builds DefaultAzureCredential (it can hang on
 * a metadata endpoint that never answers); the emulator only needs a JWT-shaped bearer token to read the caller's
 * claims (oid, tid, appid), which end up in the Event Grid events' `claims` and `authorization.evidence`.
 * The token is unsigned and worthless anywhere else.
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export interface StaticCredentialOptions {
  tenantId: string;
  /** Object ID of the principal the token stands for. */
  objectId?: string;
  /** Application (client) ID. */
  appId?: string;
  /** Token lifetime reported to the SDK. */
  lifetimeInMs?: number;
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The principal the local credential stands for unless told otherwise: the control plane's own identity locally. */
export const LOCAL_OBJECT_ID = '5eed0000-0000-4000-8000-000000000001';
export const LOCAL_APP_ID = '5eed0000-0000-4000-8000-0000000000a1';

export function staticTokenCredential(options: StaticCredentialOptions): TokenCredential {
  const objectId = options.objectId ?? LOCAL_OBJECT_ID;
  const appId = options.appId ?? LOCAL_APP_ID;
  const lifetime = options.lifetimeInMs ?? 60 * 60 * 1000;
  return {
    async getToken(scopes: string | string[]): Promise<AccessToken> {
      // As Entra does: the audience is the scope's resource (`api://platform/.default` -> `api://platform`); ARM's stays as before.
      const scope = (Array.isArray(scopes) ? scopes[0] : scopes) ?? '';
      const resource = scope.replace(/\/\.default$/, '');
      const aud = resource === '' || /^https:\/\/management\.(azure\.com|core\.windows\.net)\/?$/.test(resource) ? 'https://management.azure.com/' : resource;
      const now = Math.floor(Date.now() / 1000);
      const expiresOnTimestamp = Date.now() + lifetime;
      const claims = {
        aud,
        iss: `https://sts.windows.net/${options.tenantId}/`,
        iat: now,
        nbf: now,
        exp: Math.floor(expiresOnTimestamp / 1000),
        tid: options.tenantId,
        oid: objectId,
        sub: objectId,
        appid: appId,
        idtyp: 'app',
      };
      return { token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`, expiresOnTimestamp };
    },
  };
}
