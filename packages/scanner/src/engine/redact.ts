// Redaction of secret values for display: a short prefix, an ellipsis and the length; never the value.

export const redact = (secret: string): string => {
  const single = secret.replace(/\s+/g, ' ');
  const show = single.length >= 16 ? 4 : single.length >= 8 ? 2 : 0;
  return `${single.slice(0, show)}…(${secret.length})`;
};
