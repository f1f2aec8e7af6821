import { Type, type TSchema } from 'typebox';

/** `{success:true, message, data}`: the studio and stories success body. */
export const MessageEnvelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), message: Type.String(), data });

/** `{success:false, error:{code, message, details?}}`: the canvas and system error body. */
export const ErrorEnvelope = Type.Object({
  success: Type.Literal(false),
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
});

export const PageMeta = Type.Object({ page: Type.Integer(), per_page: Type.Integer(), total: Type.Integer() });

/** `{success:true, data, meta?, message?}`: the canvas success body. */
export const DataEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data, message: Type.Optional(Type.String()), meta: Type.Optional(PageMeta) });
