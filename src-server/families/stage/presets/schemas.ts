import { Type, type Static } from 'typebox';
import { AccessoryList } from './accessories';
import { OrNull } from '../http';
import type { PresetRow } from './service';

const PresetName = Type.String({ minLength: 1, maxLength: 100 });
const Description = OrNull(Type.String({ maxLength: 1000 }));

export const SaveBody = Type.Object({
  presetName: PresetName,
  accessories: AccessoryList,
  description: Type.Optional(Description),
  isPublic: Type.Optional(
    Type.Boolean({ default: false, description: 'Public presets are listed and readable by every account, editable only by their owner' }),
  ),
});

export const UpdateBody = Type.Object({
  presetName: Type.Optional(PresetName),
  accessories: Type.Optional(AccessoryList),
  description: Type.Optional(Description),
  isPublic: Type.Optional(Type.Boolean()),
});

export const ListQuery = Type.Object({
  includePublic: Type.Optional(Type.Boolean({ default: false, description: "Also list other accounts' public presets" })),
});

export const Preset = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer({ description: "The owner's stage user number" }),
  preset_name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  file_path: Type.String({
    description: 'Where the accessories JSON lives under the data folder: `presets/accessories/<user>/<ms>-<rand>.json`',
  }),
  is_public: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const PresetDetail = Type.Object({ ...Preset.properties, accessories: AccessoryList });

export const presetView = (r: PresetRow): Static<typeof Preset> => ({
  id: r.id,
  user_id: r.ownerSeq,
  preset_name: r.presetName,
  description: r.description,
  file_path: r.filePath,
  is_public: r.isPublic,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

export const PresetOne = Type.Object({ success: Type.Literal(true), preset: Preset });
export const PresetWithAccessories = Type.Object({ success: Type.Literal(true), preset: PresetDetail });
export const PresetList = Type.Object({ success: Type.Literal(true), count: Type.Integer(), presets: Type.Array(Preset) });
export const Deleted = Type.Object({ success: Type.Literal(true), message: Type.String() });
