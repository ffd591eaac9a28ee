// ESLint (flat config) for the product's JavaScript (the agent console, the sandbox's
// phone page, the admin's template preview), the unit tests and this file. The browser
// loads the files as they are: this is a check, not a build step.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "staticfiles/", "var/", ".venv/"] },
  js.configs.recommended,
  {
    files: ["console/static/**/*.js", "sandbox/static/**/*.js", "reports/static/**/*.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    // W9: nothing anyone writes becomes markup or script (console/static/console/dom.js).
    files: ["console/static/**/*.js", "sandbox/static/**/*.js", "templates_app/static/**/*.js", "reports/static/**/*.js"],
    rules: {
      "no-restricted-properties": [
        "error",
        ...["innerHTML", "outerHTML", "insertAdjacentHTML", "write", "writeln"].map((property) => ({
          property,
          message: "Data reaches the page through textContent and checked attributes (dom.js), never as HTML.",
        })),
      ],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
    },
  },
  {
    // The admin's template editor and preview are ES modules too (U3).
    files: ["templates_app/static/**/*.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.browser } },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
  },
  {
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrors: "none", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      "no-shadow": "error",
      "no-implicit-coercion": ["error", { allow: ["!!"] }],
      "no-param-reassign": "off",
      "no-return-await": "off",
      "require-await": "error",
      "no-promise-executor-return": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "no-useless-assignment": "error",
      "object-shorthand": "error",
      "prefer-template": "error",
      curly: ["error", "multi-line"],
    },
  },
];
