// The `const queue` version: the usual `failedQueue` + `processQueue`, with
// the queue declared `const`. `processQueue` resolves the waiters, then
// `failedQueue = []` throws "TypeError: Assignment to constant variable".
// The waiters were already resolved, so they replay fine; the caller whose
// 401 started the refresh gets the TypeError instead of its data, after a
// refresh that worked (tests/test_blog_code.py). A linter or `tsc --checkJs`
// flags the line; a reader copying the post does not.
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

  // #region blog-const-queue
  let isRefreshing = false;
  const failedQueue = [];

  const processQueue = (error, token = null) => {
    failedQueue.forEach((prom) => (error ? prom.reject(error) : prom.resolve(token)));
    // @ts-ignore: the blog's bug, kept on purpose (a const cannot be reassigned)
    failedQueue = []; // eslint-disable-line no-const-assign
  };

  api.interceptors.response.use(
    (response) => response,
    async (error) => {
      const originalRequest = error.config;
      if (error.response?.status === 401 && !originalRequest._retry) {
        if (isRefreshing) {
          return new Promise((resolve, reject) => {
            failedQueue.push({ resolve, reject });
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
          processQueue(null, accessToken); // throws, after resolving the waiters
          originalRequest.headers.Authorization = `Bearer ${accessToken}`;
          return api(originalRequest);
        } catch (err) {
          processQueue(err, null); // throws again
          accessToken = null;
          return Promise.reject(err);
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
