/** A cookie the page may read (not HttpOnly), e.g. the refresh cookie's CSRF twin. @param {Document | null} doc @param {string} name */
export function readCookie(doc: Document | null, name: string): string;
/** fetch, read the JSON body, turn every failure into an ApiError. Exported for other transports (http.js).
 *  @param {string} url @param {RequestInit} init @param {{ fetch?: typeof fetch, timeoutMs?: number,
 *  config?: RequestConfig, clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'> }} [extra] @returns {Promise<ApiResponse>} */
export function fetchJson(url: string, init: RequestInit, { fetch, timeoutMs, config, clock }?: {
    fetch?: typeof globalThis.fetch;
    timeoutMs?: number;
    config?: RequestConfig;
    clock?: Pick<Clock, "setTimeout" | "clearTimeout">;
}): Promise<ApiResponse>;
/**
 * @param {object} [options]
 * @param {string} [options.baseURL] the API, e.g. 'http://127.0.0.1:5001': the only origin that gets the token
 * @param {(error: ApiError) => void} [options.onSessionExpired] once, when the server refuses a refresh
 * @param {typeof fetch} [options.fetch] @param {Clock} [options.clock] @param {() => string | null} [options.readCsrfToken]
 * @param {number} [options.refreshTimeoutMs] give up on /auth/refresh after this (default 10 s)
 * Hooks for the extras: `emit` hears every event, `coordinate` wraps every refresh (tabs), `beforeSend` and `afterResponse`
 * run the interceptors. @param {(type: string, fields: Record<string, any>) => void} [options.emit]
 * @param {(run: () => Promise<Session>) => Promise<Session>} [options.coordinate] @param {(response: Promise<ApiResponse>)
 * => Promise<ApiResponse>} [options.afterResponse] @param {(config: RequestConfig) => RequestConfig | Promise<RequestConfig>} [options.beforeSend]
 */
export function createSilentRefresh(options?: {
    baseURL?: string;
    onSessionExpired?: (error: ApiError) => void;
    fetch?: typeof fetch;
    clock?: Clock;
    readCsrfToken?: () => string | null;
    refreshTimeoutMs?: number;
    emit?: (type: string, fields: Record<string, any>) => void;
    coordinate?: (run: () => Promise<Session>) => Promise<Session>;
    afterResponse?: (response: Promise<ApiResponse>) => Promise<ApiResponse>;
    beforeSend?: (config: RequestConfig) => RequestConfig | Promise<RequestConfig>;
}): {
    request: (input: RequestInput) => Promise<any>;
    login: (username: string, password: string) => Promise<User>;
    logout: () => Promise<void>;
    getSession: () => {
        user: User | null;
        accessToken: string;
        accessTokenExpiresAt: number | null;
    };
    setSession: (next: Session | null, reason: string) => void;
    refresh: (reason: string) => Promise<Session>;
    mayHaveRefreshCookie: () => boolean;
    isStale: (sent?: RequestConfig) => boolean;
    pendingRefresh: () => Promise<Session>;
};
/** @typedef {{ id: number | string, username: string }} User
 * @typedef {{ user: User | null, accessToken: string, accessTokenExpiresAt: number | null }} Session
 * @typedef {{ method?: string, path?: string, url?: string, data?: unknown, headers?: HeadersInit }} RequestInput
 * @typedef {{ method: string, path: string, data: unknown, headers: Headers, requestId: number }} RequestConfig
 * @typedef {{ status: number, data: any, headers: Headers, requestId?: number, config?: RequestConfig }} ApiResponse
 * @typedef {{ requestId: number, method: string, path: string }} RequestMeta
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any, clearTimeout(id: any): void }} Clock
 */
/**
 * Every failure. `status`: 0 when no answer came. `code`: the server's `error`, or network_error, timeout,
 * session_expired (refresh refused; `cause` says why), refresh_unavailable (refresh not done, still logged in:
 * `retryable`, after `retryAfterMs`), other_origin, http_error, bad_response. `config`: the request as sent.
 */
export class ApiError extends Error {
    /** @param {string} message @param {{ status?: number, code?: string, requestId?: number, data?: unknown,
     *   cause?: unknown, retryable?: boolean, retryAfterMs?: number, config?: RequestConfig }} [details] */
    constructor(message: string, { status, code, requestId, data, cause, retryable, retryAfterMs, config, }?: {
        status?: number;
        code?: string;
        requestId?: number;
        data?: unknown;
        cause?: unknown;
        retryable?: boolean;
        retryAfterMs?: number;
        config?: RequestConfig;
    });
    status: number;
    code: string;
    requestId: number;
    data: unknown;
    retryable: boolean;
    retryAfterMs: number;
    config: RequestConfig;
}
export type User = {
    id: number | string;
    username: string;
};
export type Session = {
    user: User | null;
    accessToken: string;
    accessTokenExpiresAt: number | null;
};
export type RequestInput = {
    method?: string;
    path?: string;
    url?: string;
    data?: unknown;
    headers?: HeadersInit;
};
export type RequestConfig = {
    method: string;
    path: string;
    data: unknown;
    headers: Headers;
    requestId: number;
};
export type ApiResponse = {
    status: number;
    data: any;
    headers: Headers;
    requestId?: number;
    config?: RequestConfig;
};
export type RequestMeta = {
    requestId: number;
    method: string;
    path: string;
};
export type Clock = {
    now(): number;
    setTimeout(fn: () => void, ms: number): any;
    clearTimeout(id: any): void;
};
