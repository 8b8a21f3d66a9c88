// The subscribers version: a list of callbacks that replay the requests
// which got a 401 while a refresh was running. `onRefreshed` calls them all,
// and never empties the list. Every later refresh calls every callback ever
// queued again: each re-sends its request (a GET, or a POST with its side
// effect), and its result goes nowhere, since its caller's promise was
// settled long ago (tests/test_blog_code.py: 4, then 7, then 10 GETs for
// bursts of 4 calls).
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

  // #region blog-never-emptied-queue
  let isRefreshing = false;
  let refreshSubscribers = [];

  function subscribeTokenRefresh(callback) {
    refreshSubscribers.push(callback);
  }

  function onRefreshed(token) {
    refreshSubscribers.forEach((callback) => callback(token)); // and never `refreshSubscribers = []`
  }

  api.interceptors.response.use(
    (response) => response,
    async (error) => {
      const { config, response } = error;
      if (response?.status !== 401 || config._retry) return Promise.reject(error);
      if (isRefreshing) {
        return new Promise((resolve) => {
          subscribeTokenRefresh((token) => {
            config.headers.Authorization = `Bearer ${token}`;
            resolve(api(config));
          });
        });
      }
      config._retry = true;
      isRefreshing = true;
      const { data } = await axios.post(`${baseURL}/auth/refresh`, null, {
        ...transport,
        withCredentials: true,
        headers: { 'X-CSRF-TOKEN': browser.readCookie('csrf_refresh_token') },
      });
      isRefreshing = false;
      accessToken = data.access_token;
      onRefreshed(accessToken);
      config.headers.Authorization = `Bearer ${accessToken}`;
      return api(config);
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
