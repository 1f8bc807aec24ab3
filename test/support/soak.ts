/** `npm run soak` sets BOOTH_SOAK=1: the same tests run with their large counts. */
export const soaking = process.env.BOOTH_SOAK === '1';
export const soakScale = (quick: number, soak: number): number => (soaking ? soak : quick);
