export * from './users';
export * from './jobs';
export * from './settings';
export * from './stage';
export * from './studio';
export * from './canvas';
export * from './stories';
export * from './promo';
