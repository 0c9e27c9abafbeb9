// The one ARM error type: every refusal in the control plane is one of these, rendered
// as ARM's ErrorResponse envelope { error: { code, message, target?, details? } }.

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
  /** ARM's ErrorAdditionalInfo: e.g. a template error's { type: "TemplateViolation", info: { lineNumber, linePosition, path } }. */
  additionalInfo?: Array<{ type: string; info: unknown }>;
}

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly target?: string;
  readonly details?: ArmErrorDetail[];
  readonly additionalInfo?: Array<{ type: string; info: unknown }>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: {
      target?: string;
      details?: ArmErrorDetail[];
      additionalInfo?: Array<{ type: string; info: unknown }>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = "ArmError";
    this.status = status;
    this.code = code;
    this.target = opts.target;
    this.details = opts.details;
    this.additionalInfo = opts.additionalInfo;
    this.headers = opts.headers ?? {};
  }

  toBody(): { error: ArmErrorDetail } {
    const error: ArmErrorDetail = { code: this.code, message: this.message };
    if (this.target) error.target = this.target;
    if (this.details?.length) error.details = this.details;
    if (this.additionalInfo?.length) error.additionalInfo = this.additionalInfo;
    return { error };
  }
}

export function isArmError(e: unknown): e is ArmError {
  return e instanceof ArmError;
}

// Factories for the codes ARM uses across providers. Provider-specific codes are built in place.
export const errors = {
  badRequest: (code: string, message: string, target?: string) =>
    new ArmError(400, code, message, { target }),
  invalidRequestContent: (message: string, target?: string) =>
    new ArmError(400, "InvalidRequestContent", message, { target }),
  invalidProperty: (path: string, message: string) =>
    new ArmError(400, "InvalidParameter", `Invalid value for '${path}': ${message}`, { target: path }),
  missingProperty: (path: string, fix = "") =>
    new ArmError(
      400,
      "MissingRequiredProperty",
      `The request body must contain '${path}'.${fix ? " " + fix : ""}`,
      { target: path },
    ),
  linkedInvalidPropertyId: (value: string, path: string) =>
    new ArmError(
      400,
      "LinkedInvalidPropertyId",
      `Property id '${value}' at path '${path}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.`,
      { target: path },
    ),
  resourceGroupNotFound: (rg: string) =>
    new ArmError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`),
  subscriptionNotFound: (s: string) =>
    new ArmError(404, "SubscriptionNotFound", `The subscription '${s}' could not be found.`),
  resourceNotFound: (typeAndName: string, rg?: string) =>
    new ArmError(
      404,
      "ResourceNotFound",
      `The Resource '${typeAndName}' under resource group '${rg ?? ""}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  notFound: (code: string, message: string) => new ArmError(404, code, message),
  conflict: (code: string, message: string) => new ArmError(409, code, message),
  preconditionFailed: (message: string) => new ArmError(412, "PreconditionFailed", message),
};
