export async function load() {
  const res = await fetch('https://api.partner.com/v3/orders', {
    headers: {
      Authorization: 'Token e1048c90556b42f2d657d051fc8f194649d7ff11',
      'Content-Type': 'application/json',
    },
  });
  return res.json();
}
export const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
