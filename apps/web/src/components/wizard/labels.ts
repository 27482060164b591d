const SPECIAL_LABELS: Record<string, string> = {
  linkedin: "LinkedIn",
  twitter: "X (Twitter)",
  wordpress: "WordPress",
};

/** Turns `snake_case` option ids into labels such as "Blog posts". */
export function labelFor(value: string): string {
  const special = SPECIAL_LABELS[value];
  if (special) return special;
  const words = value.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const optionsOf = (values: readonly string[]) =>
  values.map((value) => ({ value, label: labelFor(value) }));
