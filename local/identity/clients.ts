/** The local tenant's well-known principals, shared by the token issuer and the CLI (no other imports: the CLI loads it). */

/** The local CLI's application (client) ID: the `azp` of issued tokens and the `appid` of the CLI's ARM writes. */
export const LOCAL_CLI_APP_ID = '5eed0000-0000-4000-8000-0000000000c1';
/** The person the CLI writes to ARM as: not the control plane's own identity, whose writes it skips. */
export const LOCAL_USER_OBJECT_ID = '5eed0000-0000-4000-8000-000000000002';
