import type { DepartmentDirectory } from './department-directory.ts';
import type { Identity } from './identity.ts';

/** Why a verified token may still not act, or undefined when it may. */
export type Admit = (identity: Identity) => Promise<string | undefined>;

type Directory = Pick<DepartmentDirectory, 'standing'>;

/** A platform token issued before its department's revocation is refused. */
export function revocationCheck(directory: Directory, platformIssuer: string): Admit {
  return async function revoked(identity) {
    if (identity.issuer !== platformIssuer) return undefined;
    const { revokedBeforeMs } = await directory.standing(identity.department);
    return revokedBeforeMs !== undefined && identity.issuedAt * 1000 < revokedBeforeMs ? 'token revoked' : undefined;
  };
}

/**
 * After the signature: the revocation check, and an agent acts only for a department that exists and is
 * ACTIVE (a token minted for a name that was never provisioned, or whose department is being deprovisioned,
 * authenticates nothing). Admins act for the platform, not for their token's department, so only the
 * revocation applies to them.
 */
export function admitFrom(directory: Directory, platformIssuer: string): Admit {
  const revoked = revocationCheck(directory, platformIssuer);
  return async function admit(identity) {
    const refusal = await revoked(identity);
    if (refusal) return refusal;
    if (identity.role === 'admin') return undefined;
    const { status } = await directory.standing(identity.department);
    return status === 'ACTIVE' ? undefined : 'the token’s department is not active';
  };
}
