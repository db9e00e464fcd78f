// Errors of the API as the console shows them: the server's code, message and request id.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: Record<string, unknown>;
  readonly retryAfterS: number | null;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string | null;
    details?: Record<string, unknown>;
    retryAfterS?: number | null;
  }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.details = init.details ?? {};
    this.retryAfterS = init.retryAfterS ?? null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request id of a response: the error body's, else the response headers'. */
export function headerRequestId(headers: Headers): string | null {
  return headers.get('x-amaima-request-id') ?? headers.get('x-request-id');
}

/**
 * Reads a failed response into an ApiError. Native routes answer
 * `{"error": {"code", "message", "details", "request_id"}}`; anything else (a proxy's page,
 * an empty body) still yields the status and the request id of the headers.
 */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const retryHeader = response.headers.get('retry-after');
  const retryAfterS = retryHeader !== null && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  const fromHeaders = headerRequestId(response.headers);
  if (isRecord(body) && isRecord(body.error)) {
    const error = body.error;
    return new ApiError({
      status: response.status,
      code: typeof error.code === 'string' ? error.code : `HTTP_${response.status}`,
      message: typeof error.message === 'string' ? error.message : response.statusText,
      requestId: typeof error.request_id === 'string' ? error.request_id : fromHeaders,
      details: isRecord(error.details) ? error.details : {},
      retryAfterS,
    });
  }
  const snippet = text.trim().slice(0, 200);
  return new ApiError({
    status: response.status,
    code: `HTTP_${response.status}`,
    message: snippet || response.statusText || `HTTP ${response.status}`,
    requestId: fromHeaders,
    retryAfterS,
  });
}

/** An error of the network itself (no response). */
export function networkError(cause: unknown): ApiError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ApiError({ status: 0, code: 'NETWORK_ERROR', message: `network error: ${message}` });
}

/** Any thrown value as an ApiError (for display). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  if (error instanceof Error) {
    return new ApiError({ status: 0, code: 'CLIENT_ERROR', message: error.message });
  }
  return new ApiError({ status: 0, code: 'CLIENT_ERROR', message: String(error) });
}
