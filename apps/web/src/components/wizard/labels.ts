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

/** Display names of the form fields, for the review step and error summaries. */
export const FIELD_LABELS: Record<string, string> = {
  mode: "Website",
  websiteUrl: "Website URL",
  writingTone: "Writing tone",
  targetAudience: "Target audience",
  primaryContentType: "Main content type",
  styleNotes: "Style notes",
  useAnalysisForGenAi: "Use website style",
  businessName: "Business name",
  industry: "Industry",
  businessDescription: "Business description",
  researchDepth: "Research depth",
  contentTypes: "Content types",
  autoResearch: "Automatic research",
  factualContent: "Factual content",
  competitors: "Competitor websites",
  personaName: "Persona name",
  brandVoice: "Brand voice",
  defaultTone: "Default tone",
  avoidedTones: "Tones to avoid",
  platforms: "Platforms",
  primaryPlatform: "Publishing platform",
  googleAnalyticsId: "Google Analytics ID",
  linkedinUrl: "LinkedIn page",
  twitterHandle: "X handle",
};

/** One sentence under each step's heading that says why the step asks what it asks. */
export const STEP_INTROS: Record<number, string> = {
  1: "Your keys let the assistant call AI and research services for you.",
  2: "Your website, or a few words about your business, teaches the assistant how you write.",
  3: "Choose how much the assistant researches before it writes, and what it writes.",
  4: "Give the assistant a name and a voice that sound like your brand.",
  5: "Connect where you publish and measure. Everything here is optional.",
  6: "Check what you entered. You can go back to any step before you finish.",
};
