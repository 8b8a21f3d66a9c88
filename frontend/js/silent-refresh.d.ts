export function readCookie(doc: Document | null, name: string): string | null;
/** @param {string} path one of /auth/*, the refresh machinery? Its 401s mean "no". */
export function isAuthPath(path: string): boolean;
/**
 * fetch, read the JSON body, turn every failure into an ApiError. http.js sends with it too.
 * @param {string} url
 * @param {RequestInit} init
 * @param {{ fetch?: typeof fetch, timeoutMs?: number, config?: RequestConfig,
 *   clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'> }} [extra]
 * @returns {Promise<ApiResponse>}
 */
export function fetchJson(url: string, init: RequestInit, extra?: {
    fetch?: typeof fetch;
    timeoutMs?: number;
    config?: RequestConfig;
    clock?: Pick<Clock, "setTimeout" | "clearTimeout">;
}): Promise<ApiResponse>;
/**
 * The client. `baseURL` is the API, the only origin that ever gets the token. The hooks are
 * for the extras: `emit` hears every event, `coordinate` wraps every refresh (the tabs' lock),
 * `beforeSend`/`afterResponse` run the interceptors, `reauthFor` answers a 403 reauth_required.
 * @param {{ baseURL?: string, onSessionExpired?: (error: ApiError) => void, clock?: Clock,
 *   fetch?: typeof globalThis.fetch, readCsrfToken?: () => string | null,
 *   refreshTimeoutMs?: number, emit?: (type: string, fields: Record<string, any>) => void,
 *   coordinate?: (run: () => Promise<Session>) => Promise<Session>,
 *   beforeSend?: (config: RequestConfig) => RequestConfig | Promise<RequestConfig>,
 *   afterResponse?: (response: Promise<ApiResponse>) => Promise<ApiResponse>,
 *   reauthFor?: (error: ApiError, sentWith: Session | null, meta: RequestMeta) => Promise<void>,
 *   refreshExpiredFirst?: () => boolean
 * }} [options] `refreshExpiredFirst`: a call whose token we know has expired waits for a
 *   refresh instead of going out to a sure 401 (default yes; the demo turns it off to show 401s)
 */
export function createSilentRefresh(options?: {
    baseURL?: string;
    onSessionExpired?: (error: ApiError) => void;
    clock?: Clock;
    fetch?: typeof globalThis.fetch;
    readCsrfToken?: () => string | null;
    refreshTimeoutMs?: number;
    emit?: (type: string, fields: Record<string, any>) => void;
    coordinate?: (run: () => Promise<Session>) => Promise<Session>;
    beforeSend?: (config: RequestConfig) => RequestConfig | Promise<RequestConfig>;
    afterResponse?: (response: Promise<ApiResponse>) => Promise<ApiResponse>;
    reauthFor?: (error: ApiError, sentWith: Session | null, meta: RequestMeta) => Promise<void>;
    refreshExpiredFirst?: () => boolean;
}): {
    startCall: (method: string, path: string) => RequestMeta;
    waitBeforeSending: (meta: RequestMeta) => Promise<boolean>;
    checkOrigin: (url: string) => void;
    recover: (error: ApiError, sentWith: Session | null, meta: RequestMeta, waited: boolean) => Promise<void>;
    mayHaveRefreshCookie: () => boolean;
    emit: (type: string, fields: Record<string, any>) => void;
    pendingRefresh: () => Promise<Session> | null;
    request: (input: RequestInput) => Promise<any>;
    login: (username: string, password: string) => Promise<User | null>;
    reauthenticate: (password: string) => Promise<User | null>;
    logout: () => Promise<void>;
    getSession: () => Session | null;
    setSession: (next: Session | null, reason: string) => void;
    refresh: (reason: string) => Promise<Session>;
};
/**
 * @typedef {{ id: number | string, username: string }} User
 * @typedef {{ user: User | null, accessToken: string, accessTokenExpiresAt: number | null,
 *   sessionId: string }} Session sessionId: which login it is; a refresh keeps it
 * @typedef {{ method?: string, path?: string, url?: string, data?: unknown,
 *   headers?: HeadersInit }} RequestInput
 * @typedef {{ requestId: number, method: string, path: string }} RequestMeta
 * @typedef {RequestMeta & { data: unknown, headers: Headers }} RequestConfig
 * @typedef {{ status: number, data: any, headers: Headers, requestId?: number,
 *   config?: RequestConfig }} ApiResponse
 * @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any,
 *   clearTimeout(id: any): void }} Clock
 */
/**
 * Every failure. `status` is 0 when no answer came. `code` is the server's `error`, or ours:
 * network_error, timeout, session_expired (the server refused the refresh; `cause` says why),
 * refresh_unavailable (no refresh for now, still logged in: `retryable` after `retryAfterMs`),
 * session_changed (a 401 for a session that has ended since: never replayed in the next one),
 * reauth_cancelled, other_origin, http_error, bad_response. `config`: the request as sent.
 */
export class ApiError extends Error {
    /**
     * @param {string} message
     * @param {{ status?: number, code?: string, requestId?: number, data?: unknown, cause?: unknown,
     *   retryable?: boolean, retryAfterMs?: number, config?: RequestConfig }} [details]
     */
    constructor(message: string, details?: {
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
    requestId: number | undefined;
    data: unknown;
    retryable: boolean;
    retryAfterMs: number | undefined;
    config: RequestConfig | undefined;
}
/** @type {Clock} real time, unless a test passes a fake clock */
export const systemClock: Clock;
export type User = {
    id: number | string;
    username: string;
};
/**
 * sessionId: which login it is; a refresh keeps it
 */
export type Session = {
    user: User | null;
    accessToken: string;
    accessTokenExpiresAt: number | null;
    sessionId: string;
};
export type RequestInput = {
    method?: string;
    path?: string;
    url?: string;
    data?: unknown;
    headers?: HeadersInit;
};
export type RequestMeta = {
    requestId: number;
    method: string;
    path: string;
};
export type RequestConfig = RequestMeta & {
    data: unknown;
    headers: Headers;
};
export type ApiResponse = {
    status: number;
    data: any;
    headers: Headers;
    requestId?: number;
    config?: RequestConfig;
};
export type Clock = {
    now(): number;
    setTimeout(fn: () => void, ms: number): any;
    clearTimeout(id: any): void;
};
