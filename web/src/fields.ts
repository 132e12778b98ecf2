// The finding fields of a lead (store::LeadFindings), in the order the UI shows them.

export type FieldKey =
  | 'ecommerce_platform'
  | 'checkout_solutions'
  | 'payment_methods'
  | 'carriers'
  | 'shipping_software'
  | 'technologies';

export const FIELDS: { key: FieldKey; title: string; singular: string }[] = [
  { key: 'ecommerce_platform', title: 'E-commerce platform', singular: 'platform' },
  { key: 'checkout_solutions', title: 'Checkout solutions', singular: 'checkout' },
  { key: 'payment_methods', title: 'Payment methods', singular: 'payment method' },
  { key: 'carriers', title: 'Carriers', singular: 'carrier' },
  { key: 'shipping_software', title: 'Shipping software', singular: 'shipping software' },
  { key: 'technologies', title: 'Technologies', singular: 'technology' },
];

export function fieldTitle(key: string): string {
  return FIELDS.find((f) => f.key === key)?.title ?? key;
}
