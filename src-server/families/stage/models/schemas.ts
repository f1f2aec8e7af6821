import { Type } from 'typebox';
import { OrNull } from '../http';
import type { ModelRow } from './service';

const ModelName = Type.String({ minLength: 1, maxLength: 200 });
const Path = Type.String({ minLength: 1, maxLength: 1024 });
const Size = OrNull(Type.Integer({ minimum: 0 }), { description: 'Bytes' });
const ThumbnailPath = OrNull(Type.String({ maxLength: 1024 }));

export const RegisterBody = Type.Object({
  model_name: ModelName,
  file_path: Path,
  file_size: Type.Optional(Size),
  thumbnail_path: Type.Optional(ThumbnailPath),
});

export const UpdateBody = Type.Object({
  model_name: Type.Optional(ModelName),
  file_path: Type.Optional(Path),
  file_size: Type.Optional(Size),
  thumbnail_path: Type.Optional(ThumbnailPath),
});

const fields = {
  id: Type.Integer(),
  model_name: Type.String(),
  file_path: Type.String(),
  file_size: Type.Union([Type.Integer(), Type.Null()]),
  thumbnail_path: Type.Union([Type.String(), Type.Null()]),
};
const createdAt = Type.String({ format: 'date-time' });
const updatedAt = Type.String({ format: 'date-time' });

export const Model = Type.Object({ ...fields, created_at: createdAt, updated_at: updatedAt });
/** The register answer: the spec shows it without `updated_at`. */
export const RegisteredModel = Type.Object({ ...fields, created_at: createdAt });
/** The update answer: the spec shows it without `created_at`. */
export const UpdatedModel = Type.Object({ ...fields, updated_at: updatedAt });

export const modelView = (r: ModelRow) => ({
  id: r.id,
  model_name: r.modelName,
  file_path: r.filePath,
  file_size: r.fileSize,
  thumbnail_path: r.thumbnailPath,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

export const ModelList = Type.Object({ success: Type.Literal(true), count: Type.Integer(), models: Type.Array(Model) });
export const ModelOne = Type.Object({ success: Type.Literal(true), model: Model });
export const Registered = Type.Object({ success: Type.Literal(true), message: Type.String(), model: RegisteredModel });
export const Uploaded = Type.Object({ success: Type.Literal(true), message: Type.String(), model: Model });
export const Updated = Type.Object({ success: Type.Literal(true), message: Type.String(), model: UpdatedModel });
export const Deleted = Type.Object({
  success: Type.Literal(true),
  message: Type.String(),
  deleted_model: Type.Object({ id: Type.Integer(), model_name: Type.String() }),
});

/** Documents the multipart form; the handler reads and checks it part by part. */
export const UploadForm = Type.Object({
  model: Type.String({ format: 'binary', description: 'glTF 2.0 binary (.glb) or JSON (.gltf), or FBX (binary or ASCII); at most 100 MB' }),
  model_name: ModelName,
  thumbnail: Type.Optional(
    Type.String({ format: 'binary', description: 'PNG, JPEG or WebP, at most 10 MB; stored as a PNG of at most 512×512' }),
  ),
});
