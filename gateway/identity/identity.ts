import { z } from 'zod';
import { ROLES } from '../../controller/platform/tokens/constants.ts';
import { departmentName } from '../../crds/common.ts';

/** Who a verified token speaks for. The source department of every query comes from here, never the body. */
export interface Identity {
  department: string;
  role: (typeof ROLES)[number];
  subject: string;
  issuer: string;
  /** Seconds since the epoch. */
  issuedAt: number;
}

/** The platform's own claims (beyond the registered ones jose checks). */
export const platformClaims = z.object({
  sub: z.string().min(1).max(255),
  dept: departmentName,
  role: z.enum(ROLES),
  iat: z.number(),
});
