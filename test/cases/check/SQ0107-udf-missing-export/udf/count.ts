export const countChar = (s: string, c: string): number => s.split(c).length - 1;

export const longest = { create: () => ({ best: '' }) };
