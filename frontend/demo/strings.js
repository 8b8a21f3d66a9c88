// @ts-check
/**
 * strings.js: every word the demo page shows, one table per language, and
 * t(key, vars) to look one up. A table is flat ('tour.next' → text); `{name}`
 * in a text is filled from vars. Error CODES (token_reused, ...) are never
 * translated: they are what the server sends and what the docs name.
 *
 * A key missing from the table is made visible, not hidden: t() renders
 * ⟦key⟧ and logs a console error (the browser tests fail on those).
 */

/** @typedef {'en' | 'zh-CN'} Lang */

const en = {
  'page.title': 'Silent Refresh: live demo',
  'page.skip': 'Skip to the controls',
  'page.heading': 'Silent Refresh',
  'page.subtitle': 'one refresh for many 401s',
  'page.largeType': 'Large type',
  'page.language': 'Language',
  'session.heading': 'Session',
  'session.username': 'Username',
  'session.password': 'Password',
  'session.login': 'Log in',
  'session.checking': 'Checking for a session (refresh cookie)…',
  'session.as': 'Logged in as ',
  'session.with': ' with the ',
  'session.interceptor': ' interceptor.',
  'session.logout': 'Log out',
  'countdown.label': 'Access token',
  'countdown.left': '{time} left',
  'countdown.expired': 'expired',
  'countdown.corrupted': '{base} (corrupted)',
  'countdown.seconds': '{n} s',
  'countdown.minutes': '{m}:{s} min',
  'controls.heading': 'Try it',
  'controls.callLegend': 'Call the API',
  'controls.callAaa': 'Call /aaa',
  'controls.callBbb': 'Call /bbb',
  'controls.burstLabel': 'N =',
  'controls.fire': 'Fire N concurrent calls',
  'controls.breakLegend': 'Break it on purpose',
  'controls.corrupt': 'Corrupt the access token',
  'controls.corruptHelp': 'The next call gets a 401, as if the token had expired.',
  'controls.revoke': 'Revoke the refresh token on the server',
  'controls.revokeHelp':
    'Logs out on the server only: this page keeps its access token until it expires.',
  'controls.interceptor': 'Interceptor',
  'controls.queued': 'Queued (this project)',
  'controls.naive': 'Naive (blog version)',
  'controls.proactive': 'Proactive refresh',
  'controls.proactiveHelpOn': 'On: the client refreshes before the token runs out: no 401.',
  'controls.proactiveHelpOff': 'Off: the token runs out and the 401 path does the work.',
  'controls.naiveNoProactive':
    'The naive client has no proactive refresh: every refresh starts with a 401.',
  'counters.heading': 'Counters',
  'counters.requests': 'Requests',
  'counters.unauthorized': '401s',
  'counters.refreshes': 'Refresh calls',
  'counters.replays': 'Replays',
  'counters.successes': 'Successes',
  'counters.failures': 'Failures',
  'counters.shared': 'Tokens from other tabs',
  'timeline.heading': 'Timeline',
  'timeline.legend': 'Legend',
  'timeline.flight': 'in flight',
  'timeline.wait': 'waiting for the refresh',
  'timeline.refresh': 'refresh call',
  'timeline.ok': 'success',
  'timeline.failed': 'failed',
  'timeline.empty': 'Nothing yet: log in and call the API. Newest burst on top.',
  'timeline.sent': 'sent',
  'timeline.called': 'called',
  'timeline.held': 'held for refresh #{id}',
  'timeline.queued': 'queued for refresh #{id}',
  'timeline.replayedStale': 'replayed (stale 401, no new refresh)',
  'timeline.replayed': 'replayed',
  'timeline.failedWith': 'failed: {error}',
  'timeline.refreshLane': 'refresh #{id} ({reason})',
  'timeline.refreshLaneShort': 'refresh #{id}',
  'timeline.reason.reactive': 'reactive',
  'timeline.reason.proactive': 'proactive',
  'timeline.reason.restore': 'restore',
  'mode.queued': 'queued',
  'mode.naive': 'naive',
  'timeline.otherTabToken': 'new token from another tab (no call)',
  'timeline.newToken': '200 new token',
  'timeline.requests': '{n} requests',
  'timeline.request': '1 request',
  'timeline.refreshes': '{n} refreshes',
  'timeline.refreshOne': '1 refresh',
  'timeline.running': 'running…',
  'result.heading': 'Last result',
  'result.label': 'Last response body',
  'result.failed': '{what} → failed',
  'footer.api': 'API: ',
  'footer.change': ' (change it with ',
  'footer.read': '). Read ',
  'footer.client': ' for the client and ',
  'footer.story': ' for the story.',
  'note.otherTab': 'New access token from another tab',
  'note.loggedOut': 'Logged out',
  'note.sessionEnded': 'Session ended: the refresh failed',
  'note.loggedIn': 'Logged in as {user}',
  'note.corrupted': 'Access token corrupted (signature changed)',
  'note.revoked': 'Refresh token revoked on the server (the page keeps its access token)',
  'note.switched': 'Switched to the {mode} interceptor',
  'note.proactiveOn': 'Proactive refresh on',
  'note.proactiveOff': 'Proactive refresh off',
  'note.waitingProactive':
    'Waiting for the proactive refresh: it starts shortly before the countdown reaches 0',
  'say.sessionEnded': 'Session ended: {title}',
  'say.restored': 'Session restored from the refresh cookie: logged in as {user}.',
  'say.notLoggedIn': 'Not logged in.',
  'say.unreachable': 'Could not reach the API at {api}: is the backend running (make demo)?',
  'say.loggedIn': 'Logged in as {user}.',
  'say.loginFailed': 'Login failed.',
  'say.loggedOut': 'Logged out: the server revoked the session and cleared the cookie.',
  'say.logoutOffline':
    'Logged out here, but the server could not be reached: the refresh token may still be alive.',
  'say.callOk': 'GET {path}: 200, data "{data}".',
  'say.callFailed': 'GET {path} failed: {error}.',
  'say.burst': '{n} concurrent calls: {ok} succeeded, {failed} failed',
  'say.corrupted': 'Access token corrupted: the next call gets a 401 invalid_token.',
  'say.revoked':
    'Refresh token revoked on the server. The access token still works until it expires; then ' +
    'the refresh fails.',
  'say.nothingToRevoke': 'There was no refresh cookie to revoke (already revoked or logged out).',
  'say.revokeFailed': 'Could not revoke: {error}.',
  'say.serverAnswered': 'the server answered {status}',
  'say.proactiveOn': 'Proactive refresh on: the client refreshes shortly before the token expires.',
  'say.proactiveOff': 'Proactive refresh off: the token will expire and the next call gets a 401.',
  'say.switched': 'Switched to the {mode} interceptor.',
  'say.switchedKept':
    'Switched to the {mode} interceptor: it carries on with the same access token.',
  'end.token_reused.title': 'Refresh token reuse detected.',
  'end.token_reused.text':
    'The server saw the same refresh token presented twice, which is what a stolen token looks ' +
    'like, so it revoked the whole session (rotation with reuse detection). The naive ' +
    'interceptor does this to itself: several 401s at once send several refreshes with the ' +
    'same token. Log in again.',
  'end.token_revoked.title': 'The session was revoked on the server.',
  'end.token_revoked.text':
    'Every refresh token of this login was revoked: a logout, the session ended from another ' +
    'device or by a password change, or reuse detected earlier. Log in again.',
  'end.missing_token.title': 'No refresh cookie any more.',
  'end.missing_token.text':
    'The server revoked the session and cleared the cookie (or you logged out in another tab), ' +
    'so the refresh had nothing to present. The access token worked until it expired. Log in ' +
    'again.',
  'end.token_expired.title': 'The refresh token has expired.',
  'end.token_expired.text':
    "Its lifetime (REFRESH_TOKEN_TTL) or the login's maximum age (SESSION_MAX_AGE) is over. " +
    'Log in again.',
  'end.csrf_failed.title': 'CSRF check failed.',
  'end.csrf_failed.text':
    'The X-CSRF-TOKEN header did not match the csrf_refresh_token cookie. Log in again.',
  'end.network.title': 'The refresh could not reach the server.',
  'end.network.text':
    'The session was ended rather than leaving requests waiting forever. Check the backend, ' +
    'then log in again.',
  'end.other.title': 'The refresh failed.',
  'end.other.text':
    'The server refused the refresh token, so every waiting request was rejected with one ' +
    'clear error. Log in again.',
  'tour.open': 'Workshop tour',
  'tour.heading': 'Workshop tour',
  'tour.stepOf': 'Step {n} of {total}',
  'tour.back': 'Back',
  'tour.next': 'Next',
  'tour.doIt': 'Do it',
  'tour.running': 'Running…',
  'tour.keys': '→ next · ← back · space: do it',
  'tour.close': 'Close the tour',
  'steps.login.title': 'Log in',
  'steps.login.text':
    "The server answers with a short-lived access token, kept in this page's memory, and sets " +
    'the refresh token as an HttpOnly cookie the page cannot read. The countdown is the access ' +
    "token's life.",
  'steps.call.title': 'Call /aaa',
  'steps.call.text':
    'Every call carries the access token in its Authorization header. One lane: sent, then ' +
    '200. No refresh.',
  'steps.corrupt.title': 'Corrupt the token',
  'steps.corrupt.text':
    "We break the token's signature, as blog posts do by hand. The call gets a 401, the client " +
    'refreshes once and replays it: the caller only sees the 200.',
  'steps.burst.title': 'A queued burst',
  'steps.burst.text':
    'Five calls with a dead token: five 401s but one refresh call. The other calls wait in the ' +
    'queue (purple) and are replayed with the new token.',
  'steps.naive.title': 'The same burst, naive',
  'steps.naive.text':
    'The blog version refreshes on every 401: five refresh calls with the same refresh token. ' +
    'Rotation spent it on the first, so the server takes the others for theft and ends the ' +
    'session.',
  'steps.revoke.title': 'Revoke',
  'steps.revoke.text':
    'We log out on the server only. The access token still works (it is stateless); the ' +
    'refresh after it fails, and the session ends cleanly: no call hangs.',
  'steps.tabs.title': 'Two tabs',
  'steps.tabs.text':
    'Do it opens a second tab, with the tour. Do it in either tab fires a burst: one refresh, ' +
    'and the other tab gets the new token without a call.',
  'steps.proactive.title': 'Proactive refresh',
  'steps.proactive.text':
    'With proactive refresh on, the client renews the token shortly before it runs out, so a ' +
    'busy session never sees a 401. Do it waits for the "proactive" refresh lane, before the ' +
    'countdown reaches zero.',
  'steps.failure.title': 'When the refresh itself fails',
  'steps.failure.text':
    'The next refresh answers 503, as an overloaded server would. The waiting call fails with ' +
    'a clear error instead of hanging; only a refused refresh (a 401) ends the session.',
  'tour.secondTabOpened':
    'Second tab opened, with the tour. Come back to this tab and press Do it again to fire a ' +
    'burst here.',
  'tour.popupBlocked': 'The browser blocked the second tab: open this page in a new tab by hand.',
  'breakIt.legend': 'Break the next refresh',
  'breakIt.kindLabel': 'Fail with',
  'breakIt.button': 'Break the next refresh',
  'breakIt.kind.503': '503 Service Unavailable',
  'breakIt.kind.drop': 'dropped connection',
  'breakIt.armed': 'Armed: the next refresh will fail with a {kind}.',
  'breakIt.off': 'Off: refreshes reach the server.',
  'breakIt.used': 'The refresh failed on purpose ({kind}).',
  'breakIt.body503': 'Broken on purpose by the demo page (503).',
  'breakIt.dropMessage': 'Failed to fetch (connection dropped on purpose by the demo page)',
  'lock.label': 'Cross-tab lock',
  'lock.webLocks': 'Web Locks',
  'lock.fallback': 'fallback lease (not a secure context)',
  'lock.free': 'free',
  'lock.heldBy': 'held by tab {owner}, {seconds} s left',
  'lock.degraded': 'degraded ({reason})',
  'lock.reason.timeout': 'another tab held it too long',
  'lock.reason.acquire': 'the lock was refused',
  'lock.reason.renew': 'the lease could not be renewed',
  'lock.reason.release': 'the lease could not be released',
  'sessions.heading': 'Your sessions',
  'sessions.reload': 'List my sessions',
  'sessions.help':
    "One session per login on a device. Ending another device's session needs a recent password.",
  'sessions.endOthers': 'End all other sessions',
  'sessions.thisDevice': 'This device',
  'sessions.otherDevice': 'Another device',
  'sessions.unknownAgent': '(no user agent)',
  'sessions.created': 'Logged in',
  'sessions.lastUsed': 'Last used',
  'sessions.ends': 'Ends at the latest',
  'sessions.end': 'End',
  'sessions.ended': 'Session ended: its next refresh fails with token_revoked.',
  'sessions.endedOthers': 'Other sessions ended: {n}.',
  'sessions.none': 'No live session.',
  'sessions.cancelled': 'Cancelled: no session was ended.',
  'sessions.failed': 'Not ended: {code}.',
  'sessions.loadFailed': 'The list could not be loaded: {error}.',
  'reauth.heading': 'Confirm it is you',
  'reauth.why':
    'This action needs a recent password: the server answered 403 reauth_required. ' +
    'Every call waiting for it goes on once you confirm.',
  'reauth.password': 'Your password',
  'reauth.confirm': 'Confirm',
  'reauth.cancel': 'Cancel',
  'reauth.cancelled': 'The password prompt was cancelled',
  'reauth.wrong': 'Wrong password: try again.',
  'timeline.reauth': 'password prompt',
  'timeline.waitsForPassword': 'waits for password prompt #{id}',
  'timeline.replayedReauth': 'replayed (new session)',
  'timeline.reauthLane': 'password prompt #{id}',
  'timeline.asksPassword': 'asks for the password, then POST /auth/reauth',
  'timeline.newSession': '200 new session',
  'note.idle': 'No input for {seconds} s: proactive refresh pauses, the session runs down',
  'note.idleLapses':
    'No input for {seconds} s: proactive refresh pauses. The session lapses at {at} ' +
    'unless someone comes back',
  'note.lapsed': 'The refresh token has expired: this abandoned session is over',
  'note.active': 'Someone is back: proactive refresh resumes',
  'note.lockDegraded': 'Cross-tab lock degraded: {reason}. The refresh ran without it',
  'note.lockOk': 'Cross-tab lock working again',
  'say.idle': 'Nobody is using this page: proactive refresh has paused.',
  'say.idleLapses': 'Nobody is using this page: the session lapses at {at} unless you come back.',
  'say.lapsed': 'The session has lapsed: the next call ends in session_expired.',
  'say.active': 'Welcome back: proactive refresh resumes.',
  'reset.button': 'Reset everything',
  'reset.done':
    'Reset: logged out, timeline and counters cleared, refresh numbering starts again at #1.',
  'export.svg': 'Export SVG',
  'export.png': 'Export PNG',
  'export.title': 'Silent Refresh: timeline',
  'export.empty': 'Nothing to export yet: the timeline is empty.',
  'error.invalid_credentials': 'Wrong username or password.',
  'error.too_many_requests': 'Too many login attempts: wait a moment and try again.',
  'error.rate_limit_unavailable':
    'Login is unavailable for a moment (the rate limiter cannot be reached). Try again shortly.',
};

/** @type {Record<keyof typeof en, string>} */
const zhCN = {
  'page.title': '无感刷新：在线演示',
  'page.skip': '跳到操作区',
  'page.heading': '无感刷新',
  'page.subtitle': '多个 401，只刷新一次',
  'page.largeType': '大字号',
  'page.language': '语言',
  'session.heading': '会话',
  'session.username': '用户名',
  'session.password': '密码',
  'session.login': '登录',
  'session.checking': '正在检查会话（刷新令牌 Cookie）…',
  'session.as': '已登录：',
  'session.with': '，当前使用',
  'session.interceptor': '拦截器。',
  'session.logout': '退出登录',
  'countdown.label': '访问令牌',
  'countdown.left': '剩余 {time}',
  'countdown.expired': '已过期',
  'countdown.corrupted': '{base}（已篡改）',
  'countdown.seconds': '{n} 秒',
  'countdown.minutes': '{m}:{s} 分钟',
  'controls.heading': '动手试试',
  'controls.callLegend': '调用接口',
  'controls.callAaa': '调用 /aaa',
  'controls.callBbb': '调用 /bbb',
  'controls.burstLabel': 'N =',
  'controls.fire': '同时发出 N 个请求',
  'controls.breakLegend': '故意搞坏',
  'controls.corrupt': '篡改访问令牌',
  'controls.corruptHelp': '下一次请求会收到 401，就像令牌已经过期。',
  'controls.revoke': '在服务端吊销刷新令牌',
  'controls.revokeHelp': '只在服务端退出登录：本页手里的访问令牌在过期前仍然可用。',
  'controls.interceptor': '拦截器',
  'controls.queued': '排队版（本项目）',
  'controls.naive': '朴素版（博客写法）',
  'controls.proactive': '主动刷新',
  'controls.proactiveHelpOn': '开启：客户端在令牌快过期时提前刷新，请求不会碰到 401。',
  'controls.proactiveHelpOff': '关闭：令牌会自然过期，由 401 分支来刷新。',
  'controls.naiveNoProactive': '朴素版客户端没有主动刷新：每次刷新都从一个 401 开始。',
  'counters.heading': '计数器',
  'counters.requests': '请求',
  'counters.unauthorized': '401 次数',
  'counters.refreshes': '刷新调用',
  'counters.replays': '重放',
  'counters.successes': '成功',
  'counters.failures': '失败',
  'counters.shared': '来自其他标签页的令牌',
  'timeline.heading': '时间线',
  'timeline.legend': '图例',
  'timeline.flight': '请求中',
  'timeline.wait': '等待刷新',
  'timeline.refresh': '刷新调用',
  'timeline.ok': '成功',
  'timeline.failed': '失败',
  'timeline.empty': '还没有内容：先登录，再调用接口。最新的一批在最上面。',
  'timeline.sent': '已发出',
  'timeline.called': '已调用',
  'timeline.held': '暂缓，等待刷新 #{id}',
  'timeline.queued': '排队等待刷新 #{id}',
  'timeline.replayedStale': '已重放（过时的 401，无需再刷新）',
  'timeline.replayed': '已重放',
  'timeline.failedWith': '失败：{error}',
  'timeline.refreshLane': '刷新 #{id}（{reason}）',
  'timeline.refreshLaneShort': '刷新 #{id}',
  'timeline.reason.reactive': '被动',
  'timeline.reason.proactive': '主动',
  'timeline.reason.restore': '恢复会话',
  'mode.queued': '排队版',
  'mode.naive': '朴素版',
  'timeline.otherTabToken': '从其他标签页拿到新令牌（未调用服务端）',
  'timeline.newToken': '200 新令牌',
  'timeline.requests': '{n} 个请求',
  'timeline.request': '1 个请求',
  'timeline.refreshes': '{n} 次刷新',
  'timeline.refreshOne': '1 次刷新',
  'timeline.running': '进行中…',
  'result.heading': '最近结果',
  'result.label': '最近一次响应体',
  'result.failed': '{what} → 失败',
  'footer.api': '接口地址：',
  'footer.change': '（可用 ',
  'footer.read': ' 修改）。客户端代码见 ',
  'footer.client': '，来龙去脉见 ',
  'footer.story': '。',
  'note.otherTab': '从其他标签页收到新的访问令牌',
  'note.loggedOut': '已退出登录',
  'note.sessionEnded': '会话结束：刷新失败',
  'note.loggedIn': '已登录：{user}',
  'note.corrupted': '访问令牌已篡改（改动了签名）',
  'note.revoked': '刷新令牌已在服务端吊销（本页仍持有访问令牌）',
  'note.switched': '已切换到{mode}拦截器',
  'note.proactiveOn': '主动刷新：开',
  'note.proactiveOff': '主动刷新：关',
  'note.waitingProactive': '正在等待主动刷新：它会在倒计时归零前不久开始',
  'say.sessionEnded': '会话结束：{title}',
  'say.restored': '已通过刷新令牌 Cookie 恢复会话：当前用户 {user}。',
  'say.notLoggedIn': '未登录。',
  'say.unreachable': '无法连接 {api} 上的接口：后端启动了吗（make demo）？',
  'say.loggedIn': '已登录：{user}。',
  'say.loginFailed': '登录失败。',
  'say.loggedOut': '已退出登录：服务端吊销了会话并清除了 Cookie。',
  'say.logoutOffline': '本页已退出，但连不上服务端：刷新令牌可能仍然有效。',
  'say.callOk': 'GET {path}：200，数据为“{data}”。',
  'say.callFailed': 'GET {path} 失败：{error}。',
  'say.burst': '{n} 个并发请求：成功 {ok} 个，失败 {failed} 个',
  'say.corrupted': '访问令牌已篡改：下一次请求会收到 401 invalid_token。',
  'say.revoked': '刷新令牌已在服务端吊销。访问令牌在过期前仍然可用，之后的刷新会失败。',
  'say.nothingToRevoke': '没有可吊销的刷新令牌 Cookie（已被吊销或已退出登录）。',
  'say.revokeFailed': '吊销失败：{error}。',
  'say.serverAnswered': '服务端返回了 {status}',
  'say.proactiveOn': '主动刷新已开启：客户端会在令牌过期前不久主动刷新。',
  'say.proactiveOff': '主动刷新已关闭：令牌会过期，下一次请求将收到 401。',
  'say.switched': '已切换到{mode}拦截器。',
  'say.switchedKept': '已切换到{mode}拦截器，继续沿用同一个访问令牌。',
  'end.token_reused.title': '检测到刷新令牌被重用。',
  'end.token_reused.text':
    '服务端收到了同一个刷新令牌两次，这正是令牌被盗的特征，于是吊销了整个会话（轮换 + 重用检测）。朴素版拦截器会自己撞上这一条：几个 401 同时到来，就会拿同一个令牌发起几次刷新。' +
    '请重新登录。',
  'end.token_revoked.title': '会话已在服务端被吊销。',
  'end.token_revoked.text':
    '这次登录的所有刷新令牌都已吊销：退出登录、在另一台设备上或因修改密码结束了这个会话，' +
    '或之前已检测到重用。请重新登录。',
  'end.missing_token.title': '刷新令牌 Cookie 已经没有了。',
  'end.missing_token.text':
    '服务端吊销了会话并清除了 Cookie（或者你在另一个标签页退出了登录），所以刷新时无令牌可交。访问令牌一直可用到过期为止。请重新登录。',
  'end.token_expired.title': '刷新令牌已过期。',
  'end.token_expired.text':
    '它的有效期（REFRESH_TOKEN_TTL）或这次登录的最长时限（SESSION_MAX_AGE）已到。请重新登录。',
  'end.csrf_failed.title': 'CSRF 校验失败。',
  'end.csrf_failed.text':
    'X-CSRF-TOKEN 请求头与 csrf_refresh_token Cookie 不一致（CSRF 双重提交校验未通过）。请重新登录。',
  'end.network.title': '刷新请求连不上服务端。',
  'end.network.text': '与其让请求无限期地等下去，不如结束会话。请检查后端，然后重新登录。',
  'end.other.title': '刷新失败。',
  'end.other.text':
    '服务端拒绝了刷新令牌，所有等待中的请求都以同一个明确的错误被拒绝。请重新登录。',
  'tour.open': '工作坊导览',
  'tour.heading': '工作坊导览',
  'tour.stepOf': '第 {n} 步，共 {total} 步',
  'tour.back': '上一步',
  'tour.next': '下一步',
  'tour.doIt': '动手',
  'tour.running': '执行中…',
  'tour.keys': '→ 下一步 · ← 上一步 · 空格：动手',
  'tour.close': '关闭导览',
  'steps.login.title': '登录',
  'steps.login.text':
    '服务端返回一个短时效的访问令牌，保存在本页内存里；刷新令牌则写进 HttpOnly Cookie，页面脚本读不到。倒计时就是访问令牌的剩余寿命。',
  'steps.call.title': '调用 /aaa',
  'steps.call.text':
    '每个请求都在 Authorization 请求头里带上访问令牌。一条泳道：发出，然后 200。不需要刷新。',
  'steps.corrupt.title': '篡改令牌',
  'steps.corrupt.text':
    '我们改坏令牌的签名，就像博客文章里手动做的那样。请求收到 401，客户端刷新一次并重放：调用方只看到 200。',
  'steps.burst.title': '排队版并发',
  'steps.burst.text':
    '用一个失效的令牌同时发出五个请求：五个 401，却只有一次刷新调用。其余请求在队列里等待（紫色），拿到新令牌后重放。这就是单飞（合并刷新）。',
  'steps.naive.title': '同样的并发，朴素版',
  'steps.naive.text':
    '博客写法每遇到一个 401 就刷新一次：五次刷新调用，用的是同一个刷新令牌。轮换让它在第一次就作废了，服务端把其余几次当作盗用，结束了会话。',
  'steps.revoke.title': '吊销',
  'steps.revoke.text':
    '我们只在服务端退出登录。访问令牌仍然可用（它是无状态的）；之后的刷新失败，会话干净利落地结束：没有请求被挂起。',
  'steps.tabs.title': '两个标签页',
  'steps.tabs.text':
    '点“动手”打开第二个标签页，导览也在那里（它用 Cookie 恢复会话）。在任一标签页点“动手”，就在那里发出一批请求：那个标签页去刷新，另一个不调用服务端就拿到新令牌。',
  'steps.proactive.title': '主动刷新',
  'steps.proactive.text':
    '开启主动刷新后，客户端会在令牌快过期时提前续期，繁忙的会话永远碰不到 401。“动手”会等到倒计时归零之前出现的那条“主动”刷新泳道。',
  'steps.failure.title': '刷新本身失败时',
  'steps.failure.text':
    '下一次刷新会返回 503，就像服务端过载时那样。等待中的请求以明确的错误失败，而不是一直挂着；只有被拒绝的刷新（401）才会结束会话。',
  'tour.secondTabOpened':
    '第二个标签页已打开，导览也在那里。回到这个标签页，再点一次“动手”，在这里发出一批请求。',
  'tour.popupBlocked': '浏览器拦截了第二个标签页：请手动在新标签页中打开本页。',
  'breakIt.legend': '让下一次刷新失败',
  'breakIt.kindLabel': '失败方式',
  'breakIt.button': '让下一次刷新失败',
  'breakIt.kind.503': '503 服务不可用',
  'breakIt.kind.drop': '连接中断',
  'breakIt.armed': '已就绪：下一次刷新将以“{kind}”失败。',
  'breakIt.off': '未启用：刷新请求正常到达服务端。',
  'breakIt.used': '刷新被故意弄失败了（{kind}）。',
  'breakIt.body503': '演示页故意制造的失败（503）。',
  'breakIt.dropMessage': '请求失败（演示页故意断开了连接）',
  'lock.label': '跨标签页锁',
  'lock.webLocks': 'Web Locks',
  'lock.fallback': '后备租约（非安全上下文）',
  'lock.free': '空闲',
  'lock.heldBy': '由标签页 {owner} 持有，剩余 {seconds} 秒',
  'lock.degraded': '已降级（{reason}）',
  'lock.reason.timeout': '另一个标签页占用太久',
  'lock.reason.acquire': '拿不到锁',
  'lock.reason.renew': '租约无法续期',
  'lock.reason.release': '租约无法释放',
  'sessions.heading': '你的会话',
  'sessions.reload': '列出我的会话',
  'sessions.help': '每台设备的每次登录都是一个会话。结束其他设备的会话需要最近输入过密码。',
  'sessions.endOthers': '结束其他所有会话',
  'sessions.thisDevice': '本设备',
  'sessions.otherDevice': '其他设备',
  'sessions.unknownAgent': '（没有用户代理）',
  'sessions.created': '登录于',
  'sessions.lastUsed': '最近使用',
  'sessions.ends': '最晚结束于',
  'sessions.end': '结束',
  'sessions.ended': '会话已结束：它下一次刷新会失败（token_revoked）。',
  'sessions.endedOthers': '已结束其他会话：{n} 个。',
  'sessions.none': '没有有效的会话。',
  'sessions.cancelled': '已取消：没有结束任何会话。',
  'sessions.failed': '未能结束：{code}。',
  'sessions.loadFailed': '无法加载列表：{error}。',
  'reauth.heading': '确认是你本人',
  'reauth.why':
    '这个操作需要最近输入过密码：服务端返回了 403 reauth_required。' +
    '你确认之后，所有等待中的请求都会继续。',
  'reauth.password': '你的密码',
  'reauth.confirm': '确认',
  'reauth.cancel': '取消',
  'reauth.cancelled': '已取消密码确认',
  'reauth.wrong': '密码错误：请再试一次。',
  'timeline.reauth': '密码确认',
  'timeline.waitsForPassword': '等待密码确认 #{id}',
  'timeline.replayedReauth': '已重放（新会话）',
  'timeline.reauthLane': '密码确认 #{id}',
  'timeline.asksPassword': '询问密码，然后 POST /auth/reauth',
  'timeline.newSession': '200 新会话',
  'note.idle': '{seconds} 秒没有操作：主动刷新暂停，会话会自然过期',
  'note.idleLapses': '{seconds} 秒没有操作：主动刷新暂停。若无人回来，会话将在 {at} 失效',
  'note.lapsed': '刷新令牌已过期：这个被遗忘的会话结束了',
  'note.active': '有人回来了：主动刷新恢复',
  'note.lockDegraded': '跨标签页锁已降级：{reason}。这次刷新没有拿锁',
  'note.lockOk': '跨标签页锁恢复正常',
  'say.idle': '没有人在使用这个页面：主动刷新已暂停。',
  'say.idleLapses': '没有人在使用这个页面：若你不回来，会话将在 {at} 失效。',
  'say.lapsed': '会话已失效：下一次请求将以 session_expired 结束。',
  'say.active': '欢迎回来：主动刷新已恢复。',
  'reset.button': '全部重置',
  'reset.done': '已重置：已退出登录，时间线和计数器已清空，刷新编号重新从 #1 开始。',
  'export.svg': '导出 SVG',
  'export.png': '导出 PNG',
  'export.title': '无感刷新：时间线',
  'export.empty': '还没有可导出的内容：时间线是空的。',
  'error.invalid_credentials': '用户名或密码错误。',
  'error.too_many_requests': '登录尝试过于频繁：请稍等片刻再试。',
  'error.rate_limit_unavailable': '登录暂时不可用（连不上限流服务）。请稍后再试。',
};

/** One table per language, same keys (tests/browser/test_language.py checks). */
export const tables = /** @type {Record<Lang, Record<string, string>>} */ ({ en, 'zh-CN': zhCN });
export const LANGUAGES = /** @type {Lang[]} */ (['en', 'zh-CN']);
export const LANG_KEY = 'silent-refresh-demo:lang';

/**
 * The page's language: `?lang=` (tests, links), else the one the user
 * picked (localStorage), else the browser's: any zh* → 中文, others English.
 * @param {string} search location.search
 * @param {string | null} saved
 * @param {readonly string[]} languages navigator.languages
 * @returns {Lang}
 */
export function chooseLanguage(search, saved, languages) {
  const wanted = new URLSearchParams(search).get('lang');
  for (const candidate of [wanted, saved]) {
    if (candidate && /** @type {string[]} */ (LANGUAGES).includes(candidate))
      return /** @type {Lang} */ (candidate);
  }
  return languages.some((l) => /^zh\b/i.test(l)) ? 'zh-CN' : 'en';
}

/** @type {Lang} */
let current = 'en';
export function setLanguage(/** @type {Lang} */ lang) {
  current = lang;
}
export function language() {
  return current;
}

/** Is there a text for `key`? (For server codes that may have no words.) @param {string} key */
export function has(key) {
  return key in tables[current];
}

/**
 * The text for `key` in the page's language, `{name}` filled from vars.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = tables[current][key];
  if (text === undefined) {
    console.error(`strings.js: no text for "${key}" in ${current}`);
    return `⟦${key}⟧`;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/**
 * Fill every [data-i18n] element's text, and [data-i18n-aria-label] labels.
 * @param {ParentNode} root
 */
export function translatePage(root) {
  for (const el of root.querySelectorAll('[data-i18n]'))
    el.textContent = t(/** @type {string} */ (el.getAttribute('data-i18n')));
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute(
      'aria-label',
      t(/** @type {string} */ (el.getAttribute('data-i18n-aria-label'))),
    );
  }
}
