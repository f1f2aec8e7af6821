import { Type, type TSchema } from 'typebox';

/** `{success:true, message, data}`: the studio and stories success body. */
export const MessageEnvelope = <T extends TSchema>(data: T) => Type.Object({ success: Type.Literal(true), message: Type.String(), data });

export const PageMeta = Type.Object({ page: Type.Integer(), per_page: Type.Integer(), total: Type.Integer() });

/** `{success:true, data, meta?, message?}`: the canvas success body. */
export const DataEnvelope = <T extends TSchema>(data: T) =>
  Type.Object({ success: Type.Literal(true), data, message: Type.Optional(Type.String()), meta: Type.Optional(PageMeta) });
