// The `refreshPromise` version: one shared promise instead of a flag and a
// queue. It gets the burst right, and cleans up in `finally`. Its bug: the
// refresh goes out through the same instance, so through the same
// interceptor. When the refresh itself answers 401 (revoked, reused,
// expired), the interceptor treats it like any other 401 and awaits
// `refreshPromise`: the refresh waits for itself, and every caller hangs for
// good (tests/test_blog_code.py).
//
// A runnable copy for the tests; see is-refreshing-queue.mjs for the two
// things changed for our backend (cookie + CSRF header, the tests' jar).

export function createBlogApi({ axios, baseURL, browser }) {
  const transport = { adapter: 'fetch', env: { fetch: browser.fetch } };
  let accessToken = null;

  const api = axios.create({ baseURL, ...transport });

  api.interceptors.request.use((config) => {
    if (accessToken) config.headers.Authorization = `Bearer ${accessToken}`;
    return config;
  });

  // #region blog-refresh-promise
  let refreshPromise = null;

  api.interceptors.response.use(
    (response) => response,
    async (error) => {
      const originalRequest = error.config;
      if (error.response?.status === 401 && !originalRequest._retry) {
        originalRequest._retry = true;
        if (!refreshPromise) {
          refreshPromise = api
            .post('/auth/refresh', null, {
              withCredentials: true,
              headers: { 'X-CSRF-TOKEN': browser.readCookie('csrf_refresh_token') },
            })
            .then(({ data }) => {
              accessToken = data.access_token;
              return accessToken;
            })
            .finally(() => {
              refreshPromise = null;
            });
        }
        const token = await refreshPromise; // a 401 from the refresh itself lands here too: it awaits itself
        originalRequest.headers.Authorization = `Bearer ${token}`;
        return api(originalRequest);
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
