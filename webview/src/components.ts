// The board's own small component layer over @vscode/webview-ui-toolkit (deprecated upstream in
// 2025): the rest of the board creates controls only through these functions, so moving to another
// library (e.g. @vscode-elements/elements) changes this file alone.
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextArea,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeTextField(),
    vsCodeTextArea(),
    vsCodeCheckbox(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeBadge(),
  );
}

/** An element whose value the toolkit keeps as a property. */
type ValueElement = HTMLElement & { value: string; disabled?: boolean };

export interface ButtonOptions {
  label: string;
  ariaLabel?: string;
  title?: string;
  appearance?: 'primary' | 'secondary';
  className?: string;
  onClick(): void;
}

export function button(options: ButtonOptions): HTMLElement {
  const element = document.createElement('vscode-button');
  element.textContent = options.label;
  element.setAttribute('appearance', options.appearance ?? 'secondary');
  element.setAttribute('aria-label', options.ariaLabel ?? options.label);
  if (options.title) element.title = options.title;
  if (options.className) element.className = options.className;
  element.addEventListener('click', () => {
    if (!element.hasAttribute('disabled')) options.onClick();
  });
  return element;
}

export function setDisabled(element: HTMLElement, disabled: boolean): void {
  element.toggleAttribute('disabled', disabled);
}

export interface Field {
  readonly element: HTMLElement;
  value: string;
  focus(): void;
}

export interface TextFieldOptions {
  ariaLabel: string;
  placeholder?: string;
  value?: string;
  label?: string;
  /** 'number' fields still hold text; callers parse. */
  inputMode?: 'text' | 'decimal';
  size?: number;
  className?: string;
  onInput?(value: string): void;
  onChange?(value: string): void;
}

export function textField(options: TextFieldOptions): Field {
  const element = document.createElement('vscode-text-field') as ValueElement;
  element.setAttribute('aria-label', options.ariaLabel);
  if (options.placeholder) element.setAttribute('placeholder', options.placeholder);
  if (options.inputMode) element.setAttribute('inputmode', options.inputMode);
  if (options.size) element.setAttribute('size', String(options.size));
  if (options.className) element.className = options.className;
  if (options.label) element.textContent = options.label;
  element.value = options.value ?? '';
  if (options.onInput) {
    const onInput = options.onInput;
    element.addEventListener('input', () => onInput(element.value));
  }
  if (options.onChange) {
    const onChange = options.onChange;
    element.addEventListener('change', () => onChange(element.value));
  }
  return fieldOf(element);
}

export interface TextAreaOptions {
  ariaLabel: string;
  value: string;
  rows?: number;
  className?: string;
}

export function textArea(options: TextAreaOptions): Field {
  const element = document.createElement('vscode-text-area') as ValueElement;
  element.setAttribute('aria-label', options.ariaLabel);
  element.setAttribute('rows', String(options.rows ?? 3));
  element.setAttribute('resize', 'vertical');
  if (options.className) element.className = options.className;
  element.value = options.value;
  return fieldOf(element);
}

function fieldOf(element: ValueElement): Field {
  return {
    element,
    get value() {
      return element.value;
    },
    set value(value: string) {
      element.value = value;
    },
    // The toolkit delegates focus to the inner <input>/<textarea>.
    focus: () => element.focus(),
  };
}

export interface CheckboxOptions {
  label: string;
  ariaLabel?: string;
  checked: boolean;
  onChange(checked: boolean): void;
}

export function checkbox(options: CheckboxOptions): HTMLElement & { checked: boolean } {
  const element = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  element.textContent = options.label;
  element.setAttribute('aria-label', options.ariaLabel ?? options.label);
  element.checked = options.checked;
  element.addEventListener('change', () => options.onChange(element.checked));
  return element;
}

export interface Choice {
  value: string;
  label: string;
}

export interface Dropdown {
  readonly element: HTMLElement;
  value: string;
  setChoices(choices: Choice[], value: string): void;
}

export interface DropdownOptions {
  ariaLabel: string;
  choices: Choice[];
  value: string;
  className?: string;
  onChange(value: string): void;
}

export function dropdown(options: DropdownOptions): Dropdown {
  const element = document.createElement('vscode-dropdown') as ValueElement;
  element.setAttribute('aria-label', options.ariaLabel);
  element.title = options.ariaLabel;
  if (options.className) element.className = options.className;
  let suppress = false;
  element.addEventListener('change', () => {
    if (!suppress) options.onChange(element.value);
  });
  const result: Dropdown = {
    element,
    get value() {
      return element.value;
    },
    set value(value: string) {
      suppress = true;
      element.value = value;
      suppress = false;
    },
    setChoices(choices: Choice[], value: string) {
      suppress = true;
      element.replaceChildren(
        ...choices.map((choice) => {
          const option = document.createElement('vscode-option') as ValueElement;
          option.setAttribute('value', choice.value);
          option.textContent = choice.label;
          if (choice.value === value) option.setAttribute('selected', '');
          return option;
        }),
      );
      element.value = value;
      suppress = false;
    },
  };
  result.setChoices(options.choices, options.value);
  return result;
}

export function badge(text: string, ariaLabel?: string): HTMLElement {
  const element = document.createElement('vscode-badge');
  element.textContent = text;
  if (ariaLabel) element.setAttribute('aria-label', ariaLabel);
  return element;
}
