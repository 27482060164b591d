"use client";

import {
  CONTENT_TYPES,
  integrationsStepSchema,
  MAX_COMPETITORS,
  normalizeWebsiteUrl,
  PLATFORMS,
  PUBLISHING_PLATFORMS,
  personaStepSchema,
  RESEARCH_DEPTHS,
  researchStepSchema,
  WRITING_TONES,
  websiteStepSchema,
} from "@onboarding/api/steps";
import type { ZodType } from "zod";
import {
  Checkbox,
  CheckboxGroup,
  type FieldErrors,
  RadioGroup,
  SelectField,
  TextArea,
  TextField,
} from "./fields";
import { optionsOf } from "./labels";

type FormState = Record<string, unknown>;

/** How one step's form maps between its UI state, its draft and the shared step schema. */
export interface StepFormDefinition<State extends FormState> {
  defaults: State;
  schema: ZodType;
  /** Converts UI state to the schema's input. */
  toInput(state: State): unknown;
  /** Converts validated values from the server back to UI state. */
  fromValues(values: Record<string, unknown>): Partial<State>;
  Form(props: {
    state: State;
    update: (patch: Partial<State>) => void;
    errors: FieldErrors;
  }): React.ReactNode;
}

const text = (value: unknown) => (typeof value === "string" ? value : "");
const list = (value: unknown) =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

interface WebsiteState extends FormState {
  mode: "website" | "business";
  websiteUrl: string;
  writingTone: string;
  targetAudience: string;
  primaryContentType: string;
  styleNotes: string;
  useAnalysisForGenAi: boolean;
  businessName: string;
  industry: string;
  businessDescription: string;
}

/** Shows the address as it will be stored, so the user sees what "example.com" becomes. */
function WebsiteUrlHint({ value }: { value: string }) {
  const normalized = value.trim() === "" ? undefined : normalizeWebsiteUrl(value);
  if (normalized && normalized !== value.trim()) {
    return (
      <>
        Will be saved as <span className="normalized-url">{normalized}</span>
      </>
    );
  }
  return <>For example https://example.com. Only http and https addresses work.</>;
}

export const websiteForm: StepFormDefinition<WebsiteState> = {
  defaults: {
    mode: "website",
    websiteUrl: "",
    writingTone: "",
    targetAudience: "",
    primaryContentType: "",
    styleNotes: "",
    useAnalysisForGenAi: true,
    businessName: "",
    industry: "",
    businessDescription: "",
  },
  schema: websiteStepSchema,
  toInput: (state) =>
    state.mode === "website"
      ? {
          mode: "website",
          websiteUrl: state.websiteUrl,
          writingTone: state.writingTone || undefined,
          targetAudience: state.targetAudience,
          primaryContentType: state.primaryContentType || undefined,
          styleNotes: state.styleNotes,
          useAnalysisForGenAi: state.useAnalysisForGenAi,
        }
      : {
          mode: "business",
          businessName: state.businessName,
          industry: state.industry,
          businessDescription: state.businessDescription,
          targetAudience: state.targetAudience,
        },
  fromValues: (values) => ({
    mode: values.mode === "business" ? "business" : "website",
    websiteUrl: text(values.websiteUrl),
    writingTone: text(values.writingTone),
    targetAudience: text(values.targetAudience),
    primaryContentType: text(values.primaryContentType),
    styleNotes: text(values.styleNotes),
    useAnalysisForGenAi: values.useAnalysisForGenAi !== false,
    businessName: text(values.businessName),
    industry: text(values.industry),
    businessDescription: text(values.businessDescription),
  }),
  Form: ({ state, update, errors }) => (
    <>
      <RadioGroup
        id="mode"
        label="Do you have a website?"
        value={state.mode}
        options={[
          { value: "website", label: "Yes, learn my style from my website" },
          { value: "business", label: "No website yet" },
        ]}
        onChange={(mode) => update({ mode: mode === "business" ? "business" : "website" })}
      />
      {state.mode === "website" ? (
        <>
          <TextField
            id="websiteUrl"
            label="Website URL"
            type="url"
            required
            value={state.websiteUrl}
            onChange={(websiteUrl) => update({ websiteUrl })}
            error={errors.websiteUrl}
            hint={<WebsiteUrlHint value={state.websiteUrl} />}
            placeholder="https://example.com"
          />
          <SelectField
            id="writingTone"
            label="Writing tone"
            required
            value={state.writingTone}
            options={optionsOf(WRITING_TONES)}
            onChange={(writingTone) => update({ writingTone })}
            error={errors.writingTone}
          />
          <SelectField
            id="primaryContentType"
            label="Main content type"
            required
            value={state.primaryContentType}
            options={optionsOf(CONTENT_TYPES)}
            onChange={(primaryContentType) => update({ primaryContentType })}
            error={errors.primaryContentType}
          />
          <TextArea
            id="styleNotes"
            label="Style notes"
            maxLength={500}
            value={state.styleNotes}
            onChange={(styleNotes) => update({ styleNotes })}
            error={errors.styleNotes}
            hint="Anything else about how you write, such as short sentences or British spelling."
          />
        </>
      ) : (
        <>
          <TextField
            id="businessName"
            label="Business name"
            required
            maxLength={200}
            value={state.businessName}
            onChange={(businessName) => update({ businessName })}
            error={errors.businessName}
          />
          <TextField
            id="industry"
            label="Industry"
            required
            maxLength={200}
            value={state.industry}
            onChange={(industry) => update({ industry })}
            error={errors.industry}
          />
          <TextArea
            id="businessDescription"
            label="What does your business do?"
            required
            maxLength={2000}
            value={state.businessDescription}
            onChange={(businessDescription) => update({ businessDescription })}
            error={errors.businessDescription}
          />
        </>
      )}
      <TextArea
        id="targetAudience"
        label="Target audience"
        required
        maxLength={500}
        value={state.targetAudience}
        onChange={(targetAudience) => update({ targetAudience })}
        error={errors.targetAudience}
        hint="Who reads your content, for example: small-business owners new to marketing."
      />
      {state.mode === "website" && (
        <Checkbox
          id="useAnalysisForGenAi"
          label="Use my website's style when generating content"
          checked={state.useAnalysisForGenAi}
          onChange={(useAnalysisForGenAi) => update({ useAnalysisForGenAi })}
        />
      )}
    </>
  ),
};

// An address cannot contain spaces, and a comma in one is rare enough that a comma between
// addresses is the likelier reading.
const competitorLines = (value: string) =>
  value
    .split(/[\s,]+/)
    .map((line) => line.trim())
    .filter((line) => line !== "");

interface ResearchState extends FormState {
  researchDepth: string;
  contentTypes: string[];
  autoResearch: boolean;
  factualContent: boolean;
  competitorsText: string;
}

export const researchForm: StepFormDefinition<ResearchState> = {
  defaults: {
    researchDepth: "",
    contentTypes: [],
    autoResearch: true,
    factualContent: true,
    competitorsText: "",
  },
  schema: researchStepSchema,
  toInput: (state) => ({
    researchDepth: state.researchDepth || undefined,
    contentTypes: state.contentTypes,
    autoResearch: state.autoResearch,
    factualContent: state.factualContent,
    competitors: competitorLines(state.competitorsText),
  }),
  fromValues: (values) => ({
    researchDepth: text(values.researchDepth),
    contentTypes: list(values.contentTypes),
    autoResearch: values.autoResearch === true,
    factualContent: values.factualContent !== false,
    competitorsText: list(values.competitors).join("\n"),
  }),
  Form: ({ state, update, errors }) => (
    <>
      <SelectField
        id="researchDepth"
        label="Research depth"
        required
        value={state.researchDepth}
        options={optionsOf(RESEARCH_DEPTHS)}
        onChange={(researchDepth) => update({ researchDepth })}
        error={errors.researchDepth}
        hint="Deeper research takes longer and cites more sources."
      />
      <CheckboxGroup
        id="contentTypes"
        label="Content you want to create"
        required
        values={state.contentTypes}
        options={optionsOf(CONTENT_TYPES)}
        onChange={(contentTypes) => update({ contentTypes })}
        error={errors.contentTypes}
      />
      <Checkbox
        id="autoResearch"
        label="Research topics automatically before writing"
        checked={state.autoResearch}
        onChange={(autoResearch) => update({ autoResearch })}
      />
      <Checkbox
        id="factualContent"
        label="Prefer factual, sourced content"
        checked={state.factualContent}
        onChange={(factualContent) => update({ factualContent })}
      />
      <TextArea
        id="competitors"
        label="Competitor websites"
        rows={4}
        value={state.competitorsText}
        onChange={(competitorsText) => update({ competitorsText })}
        error={errors.competitors}
        hint={`One address per line or separated by commas, up to ${MAX_COMPETITORS}. Entered: ${
          competitorLines(state.competitorsText).length
        }.`}
      />
    </>
  ),
};

interface PersonaState extends FormState {
  personaName: string;
  brandVoice: string;
  defaultTone: string;
  avoidedTones: string[];
  platforms: string[];
}

export const personaForm: StepFormDefinition<PersonaState> = {
  defaults: { personaName: "", brandVoice: "", defaultTone: "", avoidedTones: [], platforms: [] },
  schema: personaStepSchema,
  toInput: (state) => ({ ...state, defaultTone: state.defaultTone || undefined }),
  fromValues: (values) => ({
    personaName: text(values.personaName),
    brandVoice: text(values.brandVoice),
    defaultTone: text(values.defaultTone),
    avoidedTones: list(values.avoidedTones),
    platforms: list(values.platforms),
  }),
  Form: ({ state, update, errors }) => (
    <>
      <TextField
        id="personaName"
        label="Persona name"
        required
        maxLength={100}
        value={state.personaName}
        onChange={(personaName) => update({ personaName })}
        error={errors.personaName}
        hint="The name your assistant writes as, for example “Ada from Acme”."
      />
      <TextArea
        id="brandVoice"
        label="Brand voice"
        required
        maxLength={1000}
        value={state.brandVoice}
        onChange={(brandVoice) => update({ brandVoice })}
        error={errors.brandVoice}
        hint="Describe how your brand sounds in a sentence or two."
      />
      <SelectField
        id="defaultTone"
        label="Default tone"
        required
        value={state.defaultTone}
        options={optionsOf(WRITING_TONES)}
        onChange={(defaultTone) => update({ defaultTone })}
        error={errors.defaultTone}
      />
      <CheckboxGroup
        id="avoidedTones"
        label="Tones to avoid"
        values={state.avoidedTones}
        options={optionsOf(WRITING_TONES)}
        onChange={(avoidedTones) => update({ avoidedTones })}
        error={errors.avoidedTones}
      />
      <CheckboxGroup
        id="platforms"
        label="Platforms you publish on"
        required
        values={state.platforms}
        options={optionsOf(PLATFORMS)}
        onChange={(platforms) => update({ platforms })}
        error={errors.platforms}
      />
    </>
  ),
};

interface IntegrationsState extends FormState {
  primaryPlatform: string;
  googleAnalyticsId: string;
  linkedinUrl: string;
  twitterHandle: string;
}

export const integrationsForm: StepFormDefinition<IntegrationsState> = {
  defaults: { primaryPlatform: "", googleAnalyticsId: "", linkedinUrl: "", twitterHandle: "" },
  schema: integrationsStepSchema,
  toInput: (state) => ({ ...state, primaryPlatform: state.primaryPlatform || null }),
  fromValues: (values) => ({
    primaryPlatform: text(values.primaryPlatform),
    googleAnalyticsId: text(values.googleAnalyticsId),
    linkedinUrl: text(values.linkedinUrl),
    twitterHandle: text(values.twitterHandle),
  }),
  Form: ({ state, update, errors }) => (
    <>
      <SelectField
        id="primaryPlatform"
        label="Publishing platform"
        value={state.primaryPlatform}
        options={optionsOf(PUBLISHING_PLATFORMS)}
        placeholder="None"
        onChange={(primaryPlatform) => update({ primaryPlatform })}
        error={errors.primaryPlatform}
      />
      <TextField
        id="googleAnalyticsId"
        label="Google Analytics measurement ID"
        value={state.googleAnalyticsId}
        onChange={(googleAnalyticsId) => update({ googleAnalyticsId })}
        error={errors.googleAnalyticsId}
        placeholder="G-XXXXXXX"
      />
      <TextField
        id="linkedinUrl"
        label="LinkedIn page"
        value={state.linkedinUrl}
        maxLength={300}
        onChange={(linkedinUrl) => update({ linkedinUrl })}
        error={errors.linkedinUrl}
        placeholder="https://www.linkedin.com/company/acme"
      />
      <TextField
        id="twitterHandle"
        label="X handle"
        value={state.twitterHandle}
        onChange={(twitterHandle) => update({ twitterHandle })}
        error={errors.twitterHandle}
        placeholder="@yourbrand"
      />
    </>
  ),
};

export const STEP_FORMS: Record<number, StepFormDefinition<FormState>> = {
  2: websiteForm as unknown as StepFormDefinition<FormState>,
  3: researchForm as unknown as StepFormDefinition<FormState>,
  4: personaForm as unknown as StepFormDefinition<FormState>,
  5: integrationsForm as unknown as StepFormDefinition<FormState>,
};
