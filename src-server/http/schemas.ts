import { Type, type TSchema } from 'typebox';

/** The schema, or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** A job's status as the queue keeps it (JOB_STATUSES in src-shared/events.ts), for the families that show their jobs. */
export const JobStatusSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('processing'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
