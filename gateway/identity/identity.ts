import { z } from 'zod';
import { ROLES } from '../../controller/platform/tokens/constants.ts';

/** A department id as the API server accepts it (DNS label, at most 40 characters, starting with a letter). */
export const departmentId = z
  .string()
  .max(40)
  .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);

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
  dept: departmentId,
  role: z.enum(ROLES),
  iat: z.number(),
});
