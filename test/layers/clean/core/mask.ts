export const mask = (bits: number): string => `/${bits}`;
