export async function load() {
  const res = await fetch('https://api.partner.com/v3/orders', {
    headers: {
      Authorization: 'Token 8582275d334015bf355afc748ab71227d05664ea',
      'Content-Type': 'application/json',
    },
  });
  return res.json();
}
export const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
