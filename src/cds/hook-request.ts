import { z } from 'zod';
import type { HookName } from './service-catalog.ts';

/** CDS Hooks 2.0 §HTTP Request: the body an EHR posts to a service. */
export const fhirAuthorizationSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().positive(),
  scope: z.string().min(1),
  subject: z.string().min(1),
  patient: z.string().min(1).optional(),
});

const fhirBundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.unknown()).optional(),
});
const id = z.string().min(1);

/** Context fields each hook defines (CDS Hooks hook catalogue, version 1.0 of each hook). */
export const hookContextSchemas: Record<HookName, z.ZodType<Record<string, unknown>>> = {
  'patient-view': z.looseObject({ userId: id, patientId: id, encounterId: id.optional() }),
  'order-select': z.looseObject({
    userId: id,
    patientId: id,
    encounterId: id.optional(),
    selections: z.array(id).min(1),
    draftOrders: fhirBundle,
  }),
  'order-sign': z.looseObject({
    userId: id,
    patientId: id,
    encounterId: id.optional(),
    draftOrders: fhirBundle,
  }),
  'appointment-book': z.looseObject({
    userId: id,
    patientId: id,
    encounterId: id.optional(),
    appointments: fhirBundle,
  }),
  'encounter-start': z.looseObject({ userId: id, patientId: id, encounterId: id }),
};

export const hookRequestSchema = z
  .looseObject({
    hook: z.string().min(1),
    hookInstance: z.uuid(),
    fhirServer: z.url().optional(),
    fhirAuthorization: fhirAuthorizationSchema.optional(),
    context: z.record(z.string(), z.unknown()),
    prefetch: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((r) => r.fhirAuthorization === undefined || r.fhirServer !== undefined, {
    message: 'fhirAuthorization requires fhirServer',
    path: ['fhirServer'],
  });

export type HookRequest = z.infer<typeof hookRequestSchema>;

export interface HookContext {
  userId: string;
  patientId: string;
  encounterId?: string;
  selections?: string[];
  draftOrders?: { resourceType: 'Bundle'; entry?: unknown[] };
  [key: string]: unknown;
}

/** CDS Hooks 2.0 §Feedback. */
export const feedbackRequestSchema = z.object({
  feedback: z
    .array(
      z.looseObject({
        card: z.string().min(1),
        outcome: z.enum(['accepted', 'overridden']),
        acceptedSuggestions: z.array(z.looseObject({ id: z.string().min(1) })).optional(),
        overrideReason: z
          .looseObject({
            reason: z.looseObject({ code: z.string().min(1), system: z.string().min(1) }).optional(),
            userComment: z.string().optional(),
          })
          .optional(),
        outcomeTimestamp: z.iso.datetime({ offset: true }),
      }),
    )
    .min(1),
});
export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;
