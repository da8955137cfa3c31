import { z } from 'zod';

/**
 * What the oauth component hands this one in its outputs (`google`): the department's Google client, the
 * refresh token it validated, and the access token that validation obtained (kept in the controller's memory
 * only). Parsed here, at the edge between the two components.
 */
export const googleClientInput = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  accessToken: z.string().min(1).optional(),
  /** Epoch milliseconds. */
  expiresAt: z.number().int().optional(),
  scopes: z.array(z.string().min(1)),
  /** Changes whenever the client or its refresh token does (the source Secret's uid and resourceVersion). */
  version: z.string().min(1),
});

export type GoogleClientInput = z.infer<typeof googleClientInput>;

/** The Google client from the oauth component's outputs; undefined when spec.oauth is not set. */
export function googleClientFrom(dependencies: Record<string, Record<string, unknown>>): GoogleClientInput | undefined {
  const google = dependencies.oauth?.google;
  if (google === undefined) return undefined;
  const parsed = googleClientInput.safeParse(google);
  if (!parsed.success) throw new Error('the oauth component handed on a malformed Google client');
  return parsed.data;
}
