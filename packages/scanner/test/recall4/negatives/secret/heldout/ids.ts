export const STRIPE_PRICE_ID = 'price_1NzQ2bKx8u9yT0aBcDeFgHiJ';
export const GA_MEASUREMENT_ID = 'G-8XK2M4P1QZ';
export const SENTRY_ORG = 'acme';
export const tokenType = 'Bearer';
