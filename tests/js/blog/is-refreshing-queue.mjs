// The classic axios interceptor, as most blog posts teach it: an
// `isRefreshing` flag and a `requestsQueue` of promises. It gets the burst
// right (one refresh, everybody replayed) and resets the flag in `finally`.
// Its bug: on a failed refresh, it rejects the caller that started the
// refresh, "redirects to login"... and forgets the queue. The queued requests
// neither fail nor hang for good: they wake at the NEXT successful refresh,
// whoever's it is, and replay with that token (tests/test_blog_code.py).
//
// A runnable copy for the tests, changed only where our backend differs from
// the blog's: the refresh token is a cookie (withCredentials, X-CSRF-TOKEN)
// instead of localStorage, and `transport` is the tests' cookie jar
// (browser.mjs), which a browser does by itself.

export function createBlogApi({ axios, baseURL, browser }) {
  const transport = { adapter: 'fetch', env: { fetch: browser.fetch } };
  let accessToken = null; // the blog: localStorage.getItem('accessToken')

  const api = axios.create({ baseURL, ...transport });

  api.interceptors.request.use((config) => {
    if (accessToken) config.headers.Authorization = `Bearer ${accessToken}`;
    return config;
  });

  // #region blog-is-refreshing-queue
  let isRefreshing = false;
  let requestsQueue = [];

  api.interceptors.response.use(
    (response) => response,
    async (error) => {
      const originalRequest = error.config;
      if (error.response?.status === 401 && !originalRequest._retry) {
        if (isRefreshing) {
          // Someone is refreshing: wait for the new token, then replay.
          return new Promise((resolve, reject) => {
            requestsQueue.push({ resolve, reject });
          }).then((token) => {
            originalRequest.headers.Authorization = `Bearer ${token}`;
            return api(originalRequest);
          });
        }
        originalRequest._retry = true;
        isRefreshing = true;
        try {
          const { data } = await axios.post(`${baseURL}/auth/refresh`, null, {
            ...transport,
            withCredentials: true,
            headers: { 'X-CSRF-TOKEN': browser.readCookie('csrf_refresh_token') },
          });
          accessToken = data.access_token;
          requestsQueue.forEach(({ resolve }) => resolve(accessToken));
          requestsQueue = [];
          originalRequest.headers.Authorization = `Bearer ${accessToken}`;
          return api(originalRequest);
        } catch (refreshError) {
          accessToken = null; // "window.location.href = '/login'"
          return Promise.reject(refreshError); // the queue is neither rejected nor emptied
        } finally {
          isRefreshing = false;
        }
      }
      return Promise.reject(error);
    },
  );
  // #endregion

  return {
    api,
    async login(username, password) {
      const { data } = await api.post(
        '/auth/login',
        { username, password },
        { withCredentials: true },
      );
      accessToken = data.access_token;
      return data.user;
    },
    getAccessToken: () => accessToken,
    setAccessToken(token) {
      accessToken = token;
    },
  };
}
