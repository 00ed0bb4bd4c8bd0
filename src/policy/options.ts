// Placeholder until the policy branch lands: the typed list option table.
export type ListOptions = Record<string, string | number | boolean>;
