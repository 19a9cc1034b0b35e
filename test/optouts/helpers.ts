/** A fresh person's number, so that each test has opt-outs of its own. */
export const person = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
