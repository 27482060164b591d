"use client";

import type { ReactNode } from "react";

export type FieldErrors = Record<string, string | undefined>;

interface BaseProps {
  id: string;
  label: string;
  error?: string;
  hint?: ReactNode;
}

function describedBy(id: string, error?: string, hint?: ReactNode): string | undefined {
  return (
    [hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined]
      .filter(Boolean)
      .join(" ") || undefined
  );
}

/** The visible label of a control, marking optional fields so required ones need no asterisk. */
function FieldLabel({ id, label, required }: { id: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={id}>
      {label}
      {required ? "" : " (optional)"}
    </label>
  );
}

function Messages({ id, error, hint }: { id: string; error?: string; hint?: ReactNode }) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="error">
          {error}
        </p>
      )}
    </>
  );
}

export function TextField(
  props: BaseProps & {
    value: string;
    onChange: (value: string) => void;
    type?: "text" | "url" | "email";
    required?: boolean;
    maxLength?: number;
    autoComplete?: string;
    placeholder?: string;
  },
) {
  return (
    <div className="field">
      <FieldLabel id={props.id} label={props.label} required={props.required} />
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        maxLength={props.maxLength}
        autoComplete={props.autoComplete ?? "off"}
        placeholder={props.placeholder}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.id, props.error, props.hint)}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <Messages id={props.id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function TextArea(
  props: BaseProps & {
    value: string;
    onChange: (value: string) => void;
    required?: boolean;
    maxLength?: number;
    rows?: number;
  },
) {
  return (
    <div className="field">
      <FieldLabel id={props.id} label={props.label} required={props.required} />
      <textarea
        id={props.id}
        name={props.id}
        value={props.value}
        rows={props.rows ?? 3}
        required={props.required}
        maxLength={props.maxLength}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.id, props.error, props.hint)}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <Messages id={props.id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function SelectField(
  props: BaseProps & {
    value: string;
    onChange: (value: string) => void;
    options: readonly { value: string; label: string }[];
    required?: boolean;
    placeholder?: string;
  },
) {
  return (
    <div className="field">
      <FieldLabel id={props.id} label={props.label} required={props.required} />
      <select
        id={props.id}
        name={props.id}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.id, props.error, props.hint)}
        onChange={(event) => props.onChange(event.target.value)}
      >
        <option value="">{props.placeholder ?? "Choose…"}</option>
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Messages id={props.id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function CheckboxGroup(
  props: BaseProps & {
    values: string[];
    onChange: (values: string[]) => void;
    options: readonly { value: string; label: string }[];
    required?: boolean;
  },
) {
  const toggle = (value: string, checked: boolean) =>
    props.onChange(
      checked ? [...props.values, value] : props.values.filter((item) => item !== value),
    );

  // aria-invalid sits on each checkbox, because a fieldset's group role does not support it.
  return (
    <fieldset id={props.id} aria-describedby={describedBy(props.id, props.error, props.hint)}>
      <legend>
        {props.label}
        {props.required ? "" : " (optional)"}
      </legend>
      <div className="choices">
        {props.options.map((option) => (
          <label key={option.value}>
            <input
              type="checkbox"
              name={props.id}
              value={option.value}
              checked={props.values.includes(option.value)}
              aria-invalid={props.error ? true : undefined}
              onChange={(event) => toggle(option.value, event.target.checked)}
            />
            {option.label}
          </label>
        ))}
      </div>
      <Messages id={props.id} error={props.error} hint={props.hint} />
    </fieldset>
  );
}

export function Checkbox(props: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id} className="checkbox">
        <input
          id={props.id}
          name={props.id}
          type="checkbox"
          checked={props.checked}
          aria-describedby={props.hint ? `${props.id}-hint` : undefined}
          onChange={(event) => props.onChange(event.target.checked)}
        />
        {props.label}
      </label>
      {props.hint && (
        <p id={`${props.id}-hint`} className="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function RadioGroup(
  props: BaseProps & {
    value: string;
    onChange: (value: string) => void;
    options: readonly { value: string; label: string }[];
  },
) {
  return (
    <fieldset id={props.id} aria-describedby={describedBy(props.id, props.error, props.hint)}>
      <legend>{props.label}</legend>
      <div className="choices">
        {props.options.map((option) => (
          <label key={option.value}>
            <input
              type="radio"
              name={props.id}
              value={option.value}
              checked={props.value === option.value}
              onChange={() => props.onChange(option.value)}
            />
            {option.label}
          </label>
        ))}
      </div>
      <Messages id={props.id} error={props.error} hint={props.hint} />
    </fieldset>
  );
}
